/* Writes a libvirt test-driver host with many domains for the benchmarks:
 *
 *   gen_fixture OUT.xml NDOMAINS NRUNNING
 *
 * Running and shut-off domains are interleaved (spread evenly through the list), so that a
 * list sorted by name shows both. Names and UUIDs are deterministic: vm-0001 has UUID
 * 00000001-0000-4000-8000-0000000000b1, and so on; the bench programs rely on nothing else. */

#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define TEST_NS "http://libvirt.org/schemas/domain/test/1.0"
#define RUNNING 1 /* virDomainState numbers, as the test driver's runstate reads them */
#define SHUTOFF 5

static void text_child(xmlNodePtr parent, const char *name, unsigned long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lu", v);
    xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST buf);
}

static void add_cpu(xmlNodePtr node)
{
    /* A large two-socket host: 64 threads, 4 TiB, room for every guest's memory. */
    xmlNodePtr cpu = xmlNewChild(node, NULL, BAD_CAST "cpu", NULL);
    text_child(cpu, "nodes", 1);
    text_child(cpu, "sockets", 2);
    text_child(cpu, "cores", 16);
    text_child(cpu, "threads", 2);
    text_child(cpu, "active", 64);
    text_child(cpu, "mhz", 2400);
    xmlNewTextChild(cpu, NULL, BAD_CAST "model", BAD_CAST "x86_64");
    text_child(node, "memory", 4UL * 1024 * 1024 * 1024);
}

static void add_devices(xmlNodePtr dom, unsigned long i)
{
    char buf[64];
    xmlNodePtr devs = xmlNewChild(dom, NULL, BAD_CAST "devices", NULL);
    xmlNodePtr disk = xmlNewChild(devs, NULL, BAD_CAST "disk", NULL);
    xmlNewProp(disk, BAD_CAST "type", BAD_CAST "file");
    xmlNewProp(disk, BAD_CAST "device", BAD_CAST "disk");
    xmlNodePtr src = xmlNewChild(disk, NULL, BAD_CAST "source", NULL);
    snprintf(buf, sizeof(buf), "/var/lib/libvirt/images/vm-%04lu.qcow2", i);
    xmlNewProp(src, BAD_CAST "file", BAD_CAST buf);
    xmlNodePtr target = xmlNewChild(disk, NULL, BAD_CAST "target", NULL);
    xmlNewProp(target, BAD_CAST "dev", BAD_CAST "vda");
    xmlNewProp(target, BAD_CAST "bus", BAD_CAST "virtio");
    xmlNodePtr nic = xmlNewChild(devs, NULL, BAD_CAST "interface", NULL);
    xmlNewProp(nic, BAD_CAST "type", BAD_CAST "user");
    xmlNodePtr mac = xmlNewChild(nic, NULL, BAD_CAST "mac", NULL);
    snprintf(buf, sizeof(buf), "52:54:00:%02lx:%02lx:%02lx", (i >> 16) & 0xff, (i >> 8) & 0xff,
             i & 0xff);
    xmlNewProp(mac, BAD_CAST "address", BAD_CAST buf);
}

static void add_domain(xmlNodePtr node, xmlNsPtr ns, unsigned long i, bool running)
{
    static const unsigned long vcpus[] = {1, 2, 4, 8};
    char buf[64];
    xmlNodePtr dom = xmlNewChild(node, NULL, BAD_CAST "domain", NULL);
    xmlNewProp(dom, BAD_CAST "type", BAD_CAST "test");
    snprintf(buf, sizeof(buf), "vm-%04lu", i);
    xmlNewTextChild(dom, NULL, BAD_CAST "name", BAD_CAST buf);
    snprintf(buf, sizeof(buf), "%08lx-0000-4000-8000-%012lx", i, 0xb0 + i);
    xmlNewTextChild(dom, NULL, BAD_CAST "uuid", BAD_CAST buf);
    unsigned long mem_kib = (1UL << (i / 4 % 4)) * 1024 * 1024; /* 1 to 8 GiB */
    xmlNodePtr mem = xmlNewChild(dom, NULL, BAD_CAST "memory", NULL);
    snprintf(buf, sizeof(buf), "%lu", mem_kib);
    xmlNodeSetContent(mem, BAD_CAST buf);
    xmlNewProp(mem, BAD_CAST "unit", BAD_CAST "KiB");
    xmlNodePtr cur = xmlNewChild(dom, NULL, BAD_CAST "currentMemory", BAD_CAST buf);
    xmlNewProp(cur, BAD_CAST "unit", BAD_CAST "KiB");
    text_child(dom, "vcpu", vcpus[i % 4]);
    xmlNodePtr os = xmlNewChild(dom, NULL, BAD_CAST "os", NULL);
    xmlNewTextChild(os, NULL, BAD_CAST "type", BAD_CAST "hvm");
    add_devices(dom, i);
    snprintf(buf, sizeof(buf), "%d", running ? RUNNING : SHUTOFF);
    xmlNewTextChild(dom, ns, BAD_CAST "runstate", BAD_CAST buf);
}

static int parse_count(const char *s, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end || v > 9999)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long n, nrun;
    if (argc != 4 || parse_count(argv[2], &n) < 0 || parse_count(argv[3], &nrun) < 0 || nrun > n) {
        fprintf(stderr, "usage: gen_fixture OUT.xml NDOMAINS NRUNNING (NRUNNING <= NDOMAINS "
                        "<= 9999)\n");
        return 2;
    }
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr node = xmlNewNode(NULL, BAD_CAST "node");
    xmlDocSetRootElement(doc, node);
    xmlNsPtr ns = xmlNewNs(node, BAD_CAST TEST_NS, BAD_CAST "test");
    add_cpu(node);
    /* Bresenham-style spreading: domain i runs when the running count steps up. */
    for (unsigned long i = 1; i <= n; i++)
        add_domain(node, ns, i, i * nrun / n != (i - 1) * nrun / n);
    int rc = xmlSaveFormatFileEnc(argv[1], doc, "UTF-8", 1);
    xmlFreeDoc(doc);
    if (rc < 0) {
        fprintf(stderr, "gen_fixture: cannot write %s\n", argv[1]);
        return 1;
    }
    return 0;
}
