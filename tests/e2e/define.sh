#!/bin/bash
# virsh's define FILE and create FILE from the palette: a persistent domain defined from an
# XML file shows shut off, a transient one created from a file shows running; a file that
# is not there, not XML, or a name libvirt refuses gets a clear message and changes nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

xml() { # NAME: a small domain of the test driver
    local name
    name=$(printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g')
    printf "<domain type='test'><name>%s</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>" \
        "$name"
    printf "<os><type>hvm</type></os></domain>\n"
}

DEF="kd-def <a> & 'b'"
xml "$DEF" >"$KD_TMPDIR/def.xml"
xml kd-transient >"$KD_TMPDIR/tr.xml"
printf 'not xml at all\n' >"$KD_TMPDIR/bad.xml"

kd_tmux_start -x 140 -y 30 -- "$KVMDECK" -c test:///default
kd_tmux_wait "1 domain:"

palette_run "define $KD_TMPDIR/def.xml"
wait_status "define $KD_TMPDIR/def.xml: $DEF defined"
wait_row "$DEF" "shut off"
kd_ok ":define FILE defines the domain (a name with <, & and quotes)"

palette_run "create $KD_TMPDIR/tr.xml"
wait_status "kd-transient started (transient: gone when it stops)"
wait_row kd-transient running
kd_ok ":create FILE starts a transient domain"

palette_run "define $KD_TMPDIR/nosuch.xml"
wait_status "define: cannot read $KD_TMPDIR/nosuch.xml: No such file or directory"
kd_ok "a file that is not there is named with the reason"

palette_run "define $KD_TMPDIR/bad.xml"
wait_status "define $KD_TMPDIR/bad.xml: "
kd_tmux_wait "3 domains:"
kd_ok "a file that is not a domain's XML is refused and nothing is defined"

palette_run "create $KD_TMPDIR/tr.xml"
wait_status "kd-transient"
kd_tmux_wait "3 domains:"
kd_ok "creating a name that runs already is refused by libvirt, and said"

palette_run "define"
wait_status "usage: define FILE"
kd_ok ":define without a file says how to use it"

quit
kd_pass
