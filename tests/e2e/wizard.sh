#!/bin/bash
# The new-domain wizard on the test driver, driven from the keyboard: + opens it, each page
# checks its answers, Esc goes back a page keeping them, a failed creation (a disk larger
# than the pool) leaves every answer for a fix and a retry, and the created domain is in the
# list, running, with the XML the answers asked for. Presets are saved, and a second domain
# starts from one. The test driver lives inside kvmdeck's process, so the checks read
# kvmdeck's own screens (the list, the dumpxml view).
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

kd_list_theme plain
kernel=$KD_TMPDIR/vmlinuz-kd
initrd=$KD_TMPDIR/initrd-kd
printf 'not really a kernel\n' >"$kernel"
printf 'not really an initrd\n' >"$initrd"

kd_tmux_start -x 120 -y 40 -- "$KVMDECK" --theme plain -c test:///default
kd_tmux_wait "1 domain:"

# page TITLE: wait for the wizard's page titled TITLE.
page() {
    kd_tmux_wait_regex "New domain \([0-9]/8\): $1"
}

# ---- page 1: name and source ------------------------------------------------------------
kd_tmux_keys +
page "name and install source"
kd_tmux_keys Tab
kd_tmux_literal "test"
kd_tmux_keys C-s
kd_tmux_wait "a domain named 'test' already exists"
kd_ok "a name in use is refused on the page"
kd_tmux_keys C-u
kd_tmux_literal "bad/name"
kd_tmux_keys C-s
kd_tmux_wait "cannot contain '/'"
kd_tmux_keys C-u
kd_tmux_literal "e2e-wiz"
# Install from: ISO, URL, PXE, import, kernel; Left wraps round to the kernel.
kd_tmux_keys Tab Left
kd_tmux_wait "< Kernel boot >"
kd_tmux_keys C-s

# ---- page 2: the kernel, through the file picker ------------------------------------------
page "installation media"
kd_tmux_literal "/no/such/kernel"
kd_tmux_keys C-s
kd_tmux_wait "the kernel /no/such/kernel: No such file or directory"
kd_ok "a kernel that does not exist is refused"
kd_tmux_keys C-u
kd_tmux_literal "$KD_TMPDIR/"
kd_tmux_keys F4
kd_tmux_wait "$KD_TMPDIR (type to filter)"
kd_tmux_wait "../"
kd_tmux_wait "[storage pool volumes]"
kd_tmux_literal "vmlinuz-kd"
kd_tmux_wait "1 of "
kd_tmux_keys Enter
kd_tmux_wait "Kernel        $kernel"
kd_ok "the file picker lists the directory and fills the field"
kd_tmux_keys Tab
kd_tmux_literal "$initrd"
kd_tmux_keys Tab
kd_tmux_literal "console=ttyS0 quiet"
kd_tmux_keys C-s

# ---- page 3: OS variant from the filterable list --------------------------------------------
page "OS variant"
kd_tmux_keys F4
kd_tmux_wait "OS variant (type to filter)"
kd_tmux_literal "debian11"
kd_tmux_wait_regex "Debian .*11"
kd_tmux_keys Enter
kd_tmux_wait "OS variant  debian11"
kd_tmux_keys C-s

# ---- page 4: memory and CPUs, pre-filled from the variant -----------------------------------
page "memory and CPUs"
kd_tmux_wait_regex "Memory \(MiB\)  [0-9]+"
kd_tmux_keys C-u
kd_tmux_literal "999999G"
kd_tmux_keys C-s
kd_tmux_wait "more than the host's memory"
kd_tmux_keys C-u
kd_tmux_literal "512M"
kd_tmux_keys Tab C-u
kd_tmux_literal "1"
kd_tmux_keys C-s

# ---- page 5 to 8 ------------------------------------------------------------------------------
page "storage"
kd_tmux_wait "Pool    default-pool"
kd_tmux_keys Tab Tab C-u
kd_tmux_literal "16M"
kd_tmux_keys C-s
page "network"
kd_tmux_wait "Source   default"
kd_tmux_keys C-s
page "firmware and hypervisor"
kd_tmux_wait "Hypervisor  < test >"
kd_tmux_keys C-s
page "graphics and options"
kd_tmux_keys Tab Tab Tab Tab Tab Tab
kd_tmux_literal "0-1"
kd_tmux_keys C-s

# ---- the summary, a preset, Finish ------------------------------------------------------------
kd_tmux_wait "New domain: summary"
kd_tmux_wait "Name      e2e-wiz"
kd_tmux_wait "Install   kernel $kernel, initrd $initrd, cmdline"
kd_tmux_wait "Memory    512 MiB, 1 vCPU, pinned to 0-1"
kd_tmux_wait "Disk      new qcow2 volume default-pool/e2e-wiz.qcow2, 16 MiB"
kd_tmux_wait "Domain XML:"
kd_tmux_wait "<cmdline>console=ttyS0 quiet</cmdline>"
kd_ok "the summary shows the answers and the domain XML"
kd_tmux_keys G
kd_tmux_wait "</domain>"
kd_tmux_wait_gone "Name      e2e-wiz"
kd_tmux_keys g
kd_tmux_wait "Name      e2e-wiz"
kd_ok "the summary scrolls to the end of the XML and back"

# Customize: the hardware editor opens on the XML that is not defined yet, and q hands it
# back to the summary.
kd_tmux_keys c
kd_tmux_wait_gone "New domain: summary"
kd_tmux_wait "e2e-wiz"
kd_tmux_keys q
kd_tmux_wait "New domain: summary"
kd_tmux_wait "Name      e2e-wiz"
kd_ok "customize opens the hardware editor and comes back to the summary"

# A change made there is what Finish defines, and the summary says so.
kd_tmux_keys c
kd_tmux_wait_gone "New domain: summary"
kd_tmux_keys j Enter
kd_tmux_wait "Maximum memory"
kd_tmux_keys C-u
kd_tmux_literal "300M"
kd_tmux_keys C-s
kd_tmux_wait_regex "Memory +300 MiB"
kd_tmux_keys q
kd_tmux_wait "Customized in the hardware editor"
kd_tmux_wait "Domain XML (customized)"
kd_tmux_wait_regex ">307200</(memory|currentMemory)>"
kd_ok "a customized memory size replaces the answers in the summary"

kd_tmux_keys s
kd_tmux_wait "Save as preset"
kd_tmux_keys C-u
kd_tmux_literal "tiny kernel"
kd_tmux_keys Enter
wait_status "preset 'tiny kernel' saved"

kd_tmux_keys Enter
kd_tmux_wait "Open its serial console now?" 15
kd_tmux_keys n
kd_tmux_wait_regex "$(row_re e2e-wiz 'running ')"
kd_ok "Finish creates and starts the domain; it is in the list, running"

# The definition libvirt holds: kvmdeck's dumpxml view.
select_dom e2e-wiz
kd_tmux_keys x
kd_tmux_wait "<kernel>$kernel</kernel>"
kd_tmux_wait "<cmdline>console=ttyS0 quiet</cmdline>"
kd_tmux_wait_regex "<source pool=.default-pool. volume=.e2e-wiz.qcow2./>"
kd_tmux_wait_regex "<vcpupin vcpu=.0. cpuset=.0./>"
# The devices go on past the first page.
kd_tmux_keys G
kd_tmux_wait_regex "<serial type=.pty.>"
kd_ok "the defined XML has the kernel, the new volume, the pinning and a serial console"
kd_tmux_keys q

# Gone again, but its volume stays: the same answers now fail at the volume.
kd_tmux_keys D
kd_tmux_wait "destroy 1 domain?"
kd_tmux_keys y
kd_tmux_wait_regex "$(row_re e2e-wiz 'shut off ')"
kd_tmux_keys u
kd_tmux_wait "Undefine e2e-wiz"
kd_tmux_keys y
wait_no_row e2e-wiz

# ---- from the preset; a failure, a fix, a retry ---------------------------------------------
kd_tmux_keys +
page "name and install source"
kd_tmux_keys F4
kd_tmux_wait "Start from a preset"
kd_tmux_wait "tiny kernel"
kd_tmux_keys Enter
wait_status "answers loaded from the preset 'tiny kernel'"
kd_tmux_wait "< Kernel boot >"
kd_tmux_keys Tab
kd_tmux_literal "e2e-wiz"
kd_tmux_keys C-s
page "installation media"
kd_tmux_wait "Kernel        $kernel"
kd_tmux_wait "Command line  console=ttyS0 quiet"
kd_ok "a preset fills the pages"
for p in "OS variant" "memory and CPUs" storage network firmware "graphics and options"; do
    kd_tmux_keys C-s
    page "$p"
done
kd_tmux_keys C-s
kd_tmux_wait "New domain: summary"
kd_tmux_keys Enter
kd_tmux_wait "already has a volume named" 15
kd_tmux_wait "New domain: summary"
kd_ok "a failed creation says why and keeps the summary"

# Back to the storage page, everything as it was.
kd_tmux_keys Escape
page "graphics and options"
kd_tmux_wait "Pin vCPUs to         0-1"
kd_tmux_keys Escape
page "firmware"
kd_tmux_keys Escape
page "network"
kd_tmux_keys Escape
page "storage"
kd_tmux_wait "Size    16M"
kd_ok "Esc goes back page by page with the answers kept"
# Use the volume that is there: existing, picked among the pools' volumes.
kd_tmux_keys Right
kd_tmux_wait "< existing volume or file >"
kd_tmux_keys Tab F4
kd_tmux_wait "[storage pool volumes]"
kd_tmux_literal "pool volumes"
kd_tmux_wait "1 of "
kd_tmux_keys Enter
kd_tmux_wait "Storage volumes (type to filter)"
kd_tmux_literal "e2e-wiz"
kd_tmux_wait "1 of "
kd_tmux_keys Enter
kd_tmux_wait "Volume or file  default-pool/e2e-wiz.qcow2"
kd_tmux_keys C-s
page "network"
kd_tmux_keys C-s
page "firmware"
kd_tmux_keys C-s
page "graphics and options"
kd_tmux_keys C-s
kd_tmux_wait "Disk      existing default-pool/e2e-wiz.qcow2"
kd_tmux_keys Enter
kd_tmux_wait "Open its serial console now?" 15
kd_tmux_keys n
kd_tmux_wait_regex "$(row_re e2e-wiz 'running ')"
kd_ok "after the fix the same answers create the domain on the existing volume"

# ---- cancelled from the first page ------------------------------------------------------------
kd_tmux_keys +
page "name and install source"
kd_tmux_keys Escape
wait_status "new domain: cancelled"
kd_tmux_wait_gone "New domain ("

# The preset goes from the palette.
palette_run "wizard.delete_preset 'tiny kernel'"
kd_tmux_wait "Delete the preset 'tiny kernel'?"
kd_tmux_keys y
wait_status "preset 'tiny kernel' deleted"
kd_tmux_keys +
page "name and install source"
kd_tmux_keys F4
kd_tmux_wait "no presets yet"
kd_tmux_keys Escape
wait_status "new domain: cancelled"
kd_ok "a preset is deleted from the palette"

kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"
kd_check_sanitizers
kd_pass "e2e/wizard"
