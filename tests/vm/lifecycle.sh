#!/bin/bash
# Every lifecycle verb of the palette, and the main keys, on a real guest whose name has
# quotes, '<' and '&': after each one, virsh domstate must agree.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

kd_vm_require
kd_vm_build_guest
name="kdtest-$$ it's <odd> & \"quoted\""
kd_vm_define "$name"
uuid=$(virsh -q -c qemu:///system domuuid "$name") || kd_fail "no uuid for $name"
kd_ok "defined '$name'"

# The palette splits words like a shell: this is the name, quoted for it.
q=\"${name//\"/\\\"}\"

wait_state() { # state what [timeout]
    local t deadline
    t=$(kd_timeout "${3:-60}")
    deadline=$(($(kd_now_us) + t * 1000000))
    until [ "$(kd_vm_state "$uuid")" = "$1" ]; do
        if [ "$(kd_now_us)" -ge "$deadline" ]; then
            kd_tmux_capture >&2
            kd_fail "$2: virsh domstate says '$(kd_vm_state "$uuid")', not '$1'"
        fi
        sleep 0.1
    done
    kd_ok "$2: virsh domstate says $1"
}

palette() { # command...
    kd_tmux_keys :
    kd_tmux_wait_regex '^:' 5
    kd_tmux_literal "$*"
    # The whole line in the palette before Enter: a key typed into something else would
    # act on the list.
    kd_tmux_wait "$(printf ':%s' "$*" | cut -c1-60)" 5
    kd_tmux_keys Enter
}

# A short wait before kvmdeck offers to force off a guest that ignores shutdown.
conf=$KD_TMPDIR/conf
mkdir -p "$conf/kvmdeck"
printf '[ui]\nshutdown_timeout = 10\n' >"$conf/kvmdeck/config"
kd_tmux_start -x 140 -y 30 -- env XDG_CONFIG_HOME="$conf" "$KVMDECK" -c qemu:///system
kd_tmux_wait "$name" 15
kd_ok "the odd name is listed verbatim"

palette start "$q"
wait_state running ":start"
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 90
palette suspend "$q"
wait_state paused ":suspend"
palette resume "$q"
wait_state running ":resume"

save=$KD_TMPDIR/guest.save
palette save "$q" "$save"
wait_state "shut off" ":save"
[ -s "$save" ] || kd_fail ":save wrote no file"
kd_ok ":save wrote $(stat -c %s "$save") bytes"
palette restore "$save"
wait_state running ":restore"

palette managedsave "$q"
wait_state "shut off" ":managedsave"
virsh -q -c qemu:///system dominfo "$uuid" | grep -q '^Managed save: *yes' ||
    kd_fail ":managedsave left no managed save image"
palette start "$q"
wait_state running ":start from the managed save"

palette reboot "$q"
kd_tmux_wait "rebooted" 60
kd_ok ":reboot: kvmdeck saw the guest reboot"
wait_state running ":reboot"
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 90

palette shutdown "$q"
wait_state "shut off" ":shutdown (ACPI)" 60

palette start "$q" --paused
wait_state paused ":start --paused"
# A paused guest cannot answer ACPI (libvirt refuses to ask it): kvmdeck says so and offers
# to force it off.
palette shutdown "$q"
kd_tmux_wait "is paused" 20
kd_tmux_wait "cannot answer an ACPI shutdown" 5
kd_tmux_keys y
wait_state "shut off" "a paused guest asked to shut down is forced off when the user agrees"
palette start "$q" --paused
wait_state paused ":start --paused again"
palette destroy "$q"
kd_tmux_wait "destroy 1 domain?"
kd_tmux_keys y
wait_state "shut off" ":destroy, confirmed"

palette autostart "$q"
kd_tmux_wait_regex "kdtest-$$ it's <odd> & \"quoted\" .* yes" 15
virsh -q -c qemu:///system dominfo "$uuid" | grep -q '^Autostart: *enable' ||
    kd_fail ":autostart did not enable autostart"
kd_ok ":autostart enables it"
palette autostart "$q" --disable
virsh -q -c qemu:///system dominfo "$uuid" | grep -q '^Autostart: *disable' ||
    kd_fail ":autostart --disable did not disable it"
kd_ok ":autostart --disable disables it"

renamed="$name renamed"
palette domrename "$q" "\"${renamed//\"/\\\"}\""
kd_tmux_wait "$renamed" 15
[ "$(virsh -q -c qemu:///system domname "$uuid")" = "$renamed" ] || kd_fail ":domrename"
kd_ok ":domrename renames it, as virsh sees it"
palette domrename "\"${renamed//\"/\\\"}\"" "$q"
kd_tmux_wait_regex "^. $name +- +shut off" 15
[ "$(virsh -q -c qemu:///system domname "$uuid")" = "$name" ] || kd_fail "rename back"
kd_ok ":domrename back to the odd name"

# The keys do the same on the selected row: select it with the filter.
kd_tmux_keys /
kd_tmux_literal "kdtest-$$"
kd_tmux_keys Enter
kd_tmux_wait "(1 shown)"
kd_tmux_keys s
wait_state running "key s (start)"
kd_tmux_keys p
wait_state paused "key p (pause)"
kd_tmux_keys p
wait_state running "key p again (resume)"
kd_tmux_keys D
kd_tmux_wait "destroy 1 domain?"
kd_tmux_keys y
wait_state "shut off" "key D (destroy), confirmed"

kd_tmux_keys L
kd_tmux_wait "Audit log"
screen=$(kd_tmux_capture) || exit 1
for verb in start suspend resume save restore managedsave reboot shutdown destroy; do
    printf '%s\n' "$screen" | grep -q "  $verb .* ok " || kd_fail "audit log has no '$verb ... ok'"
done
kd_ok "the audit log records each change"
kd_tmux_keys q
kd_tmux_wait_gone "Audit log"
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"
kd_pass "vm/lifecycle"
