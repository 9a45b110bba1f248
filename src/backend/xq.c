#include "backend/xq.h"
#include "core/str.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

int kd_xq_open(kd_xq *q, const char *xml, const char *what, kd_err *err)
{
    q->ctx = NULL;
    q->doc = xml ? xmlReadMemory(xml, (int)strlen(xml), "noname.xml", NULL,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
                 : NULL;
    if (!q->doc) {
        kd_err_set(err, KD_ERR_INVALID, "%s: not well-formed XML", what);
        return -1;
    }
    q->ctx = xmlXPathNewContext(q->doc);
    if (!q->ctx)
        kd_die_oom();
    return 0;
}

void kd_xq_close(kd_xq *q)
{
    if (q->ctx)
        xmlXPathFreeContext(q->ctx);
    if (q->doc)
        xmlFreeDoc(q->doc);
    q->ctx = NULL;
    q->doc = NULL;
}

static xmlXPathObjectPtr eval(kd_xq *q, xmlNodePtr node, const char *expr)
{
    q->ctx->node = node ? node : (xmlNodePtr)q->doc;
    return xmlXPathEvalExpression(BAD_CAST expr, q->ctx);
}

char *kd_xq_str(kd_xq *q, xmlNodePtr node, const char *expr)
{
    xmlXPathObjectPtr o = eval(q, node, expr);
    xmlChar *v = o ? xmlXPathCastToString(o) : NULL;
    char *s = kd_strdup(v ? (const char *)v : "");
    xmlFree(v);
    xmlXPathFreeObject(o);
    return s;
}

long long kd_xq_num(kd_xq *q, xmlNodePtr node, const char *expr, long long def)
{
    char *s = kd_xq_str(q, node, expr);
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end)
        v = def;
    free(s);
    return v;
}

bool kd_xq_bool(kd_xq *q, xmlNodePtr node, const char *expr)
{
    xmlXPathObjectPtr o = eval(q, node, expr);
    bool b = o && xmlXPathCastToBoolean(o);
    xmlXPathFreeObject(o);
    return b;
}

xmlXPathObjectPtr kd_xq_nodes(kd_xq *q, xmlNodePtr node, const char *expr, int *n)
{
    xmlXPathObjectPtr o = eval(q, node, expr);
    *n = o && o->type == XPATH_NODESET && o->nodesetval ? o->nodesetval->nodeNr : 0;
    if (*n == 0) {
        xmlXPathFreeObject(o);
        return NULL;
    }
    return o;
}

char *kd_xq_dump(xmlDocPtr doc)
{
    xmlChar *mem = NULL;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
    if (!mem)
        kd_die_oom();
    char *s = kd_strndup((const char *)mem, (size_t)len);
    xmlFree(mem);
    return s;
}

bool kd_xq_uri_local(const char *uri)
{
    const char *p = uri ? strstr(uri, "://") : NULL;
    return p && p[3] == '/';
}
