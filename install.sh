#!/usr/bin/env bash
# kassa installer.
#   ./install.sh --dev                  .venv in this checkout with the test tools (idempotent)
#   ./install.sh                        as root: install or upgrade the service on this register
#   ./install.sh --uninstall [--purge]  remove the service and venv; --purge also removes state and config
# Paths can be moved for tests: KASSA_PREFIX, KASSA_CONFIG_DIR, KASSA_STATE_DIR, KASSA_UNIT_DIR, KASSA_BIN_DIR;
# KASSA_USER/KASSA_GROUP name an existing account to run as instead of creating "kassa".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix=${KASSA_PREFIX:-/opt/kassa}
config_dir=${KASSA_CONFIG_DIR:-/etc/kassa}
state_dir=${KASSA_STATE_DIR:-/var/lib/kassa}
unit_dir=${KASSA_UNIT_DIR:-/etc/systemd/system}
bin_dir=${KASSA_BIN_DIR:-/usr/local/bin}
user=${KASSA_USER:-kassa}
group=${KASSA_GROUP:-$user}
unit=kassa.service
default_unit_dir=/etc/systemd/system

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
}

python=${PYTHON:-python3}

check_python() {
    command -v "$python" >/dev/null || die "python3 is not installed; install it first (apt-get install python3)"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "kassa needs Python 3.11 or newer; $("$python" --version 2>&1) found"
}

# Debian ships venv without ensurepip unless python3-venv is installed.
ensure_venv_module() {
    if "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        return
    fi
    command -v apt-get >/dev/null || die "python3 venv support is missing; install your distribution's python3-venv"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing python3-venv (apt)"
    $sudo apt-get update -qq
    local minor
    minor=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    $sudo apt-get install -y -qq "python${minor}-venv" || $sudo apt-get install -y -qq python3-venv
}

make_venv() {  # make_venv DIR: create it unless a working one is there
    local dir=$1
    if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import sys' 2>/dev/null; then
        return
    fi
    ensure_venv_module
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --upgrade pip
}

install_dev() {
    check_python
    make_venv "$here/.venv"
    local stamp="$here/.venv/.kassa-dev-installed" want
    want=$(cat "$here/pyproject.toml" | sha256sum | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$here/.venv/bin/python" -c 'import agent' 2>/dev/null; then
        say ".venv is up to date"
        return
    fi
    say "installing kassa and its test tools into .venv"
    "$here/.venv/bin/python" -m pip install --quiet -e "$here[dev]"
    echo "$want" >"$stamp"
    say "done: .venv/bin/kassa --help"
}

# systemctl only for the real unit directory: a test's moved paths must not touch the host's services
systemd_running() {
    [ "$unit_dir" = "$default_unit_dir" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null
}

create_accounts() {
    if [ "$user" != kassa ]; then
        id "$user" >/dev/null 2>&1 || die "KASSA_USER=$user does not exist"
        getent group "$group" >/dev/null || die "KASSA_GROUP=$group does not exist"
        return
    fi
    getent group kassa >/dev/null || groupadd --system kassa
    getent group dialout >/dev/null || groupadd --system dialout
    if ! id kassa >/dev/null 2>&1; then
        useradd --system --gid kassa --groups dialout --home-dir "$state_dir" --no-create-home \
            --shell /usr/sbin/nologin --comment "kassa register agent" kassa
    fi
    usermod -a -G dialout kassa
}

# The shipped unit, pointed at this install's paths and account.
render_unit() {
    local extra=""
    [ "$config_dir" = /etc/kassa ] || extra+="Environment=KASSA_CONFIG=$config_dir/agent.toml\n"
    if [ "$state_dir" != /var/lib/kassa ]; then
        extra+="Environment=KASSA_STATE_DIR=$state_dir\nReadWritePaths=$state_dir\n"
    fi
    sed -e "s#/opt/kassa#$prefix#g" \
        -e "s#^User=.*#User=$user#" \
        -e "s#^Group=.*#Group=$group#" \
        -e "s#^\\(ExecStart=.*\\)#${extra}\\1#" \
        "$here/agent/daemon/kassa.service"
}

install_system() {
    [ "$(id -u)" -eq 0 ] || die "run as root to install the service (or use --dev for a development setup)"
    check_python
    create_accounts

    local upgrading=0
    [ -x "$prefix/bin/kassa" ] && upgrading=1
    make_venv "$prefix"
    say "installing kassa into $prefix"
    "$prefix/bin/python" -m pip install --quiet --upgrade "$here"
    install -m 0644 "$here/README.md" "$prefix/README.md"
    mkdir -p "$bin_dir"
    ln -sfn "$prefix/bin/kassa" "$bin_dir/kassa"

    install -d -m 0750 -o root -g "$group" "$config_dir"
    if [ ! -e "$config_dir/agent.toml" ]; then
        install -m 0640 -o root -g "$group" "$here/agent/config/example.toml" "$config_dir/agent.toml"
        say "wrote $config_dir/agent.toml (edit [printer] port and profile for this register)"
    else
        say "kept $config_dir/agent.toml"
    fi
    # register passwords and client secrets: readable by the service only, never by the cashiers' group
    if [ ! -e "$config_dir/secrets.toml" ]; then
        install -m 0600 -o "$user" -g "$group" "$here/agent/config/secrets.example.toml" "$config_dir/secrets.toml"
        say "wrote $config_dir/secrets.toml (mode 0600: register passwords, marketplace client secret)"
    else
        chmod 0600 "$config_dir/secrets.toml"
        say "kept $config_dir/secrets.toml"
    fi
    if grep -Eq '^[[:space:]]*(operator_password|admin_password|client_secret)[[:space:]]*=' "$config_dir/agent.toml"; then
        say "warning: $config_dir/agent.toml holds secrets every cashier can read: move them to $config_dir/secrets.toml"
    fi
    install -d -m 0750 -o "$user" -g "$group" "$state_dir"

    mkdir -p "$unit_dir"
    render_unit >"$unit_dir/$unit.tmp"
    chmod 0644 "$unit_dir/$unit.tmp"
    mv -f "$unit_dir/$unit.tmp" "$unit_dir/$unit"
    if command -v systemd-analyze >/dev/null && ! systemd-analyze verify "$unit_dir/$unit" >/dev/null 2>&1; then
        say "warning: systemd-analyze verify reports problems in $unit_dir/$unit:"
        systemd-analyze verify "$unit_dir/$unit" 2>&1 | sed 's/^/    /' || true
    fi
    if systemd_running; then
        systemctl daemon-reload
        systemctl enable "$unit" >/dev/null
        if [ "$upgrading" -eq 1 ]; then
            systemctl restart "$unit"
            say "upgraded and restarted $unit (state and pairing kept)"
        else
            systemctl start "$unit"
            say "installed and started $unit"
        fi
    else
        say "systemd is not running here: unit written to $unit_dir/$unit but not enabled"
    fi
    say "cashiers who run 'kassa tui' must be in group $group: usermod -a -G $group USER"
    say "next: kassa pair CODE --backoffice https://YOUR-BACKOFFICE"
}

uninstall() {
    local purge=$1
    [ "$(id -u)" -eq 0 ] || die "run as root to uninstall"
    if systemd_running && systemctl list-unit-files "$unit" >/dev/null 2>&1; then
        systemctl disable --now "$unit" >/dev/null 2>&1 || true
    fi
    rm -f "$unit_dir/$unit"
    if systemd_running; then systemctl daemon-reload; fi
    if [ -L "$bin_dir/kassa" ]; then rm -f "$bin_dir/kassa"; fi
    rm -rf "$prefix"
    say "removed the service and $prefix"
    if [ "$purge" -eq 1 ]; then
        rm -rf "$state_dir" "$config_dir"
        say "purged $state_dir and $config_dir: this register must be paired again"
    else
        say "kept $state_dir (journal, unsent documents, pairing) and $config_dir"
    fi
}

mode=system purge=0
for arg in "$@"; do
    case $arg in
        --dev) mode=dev ;;
        --uninstall) mode=uninstall ;;
        --purge) purge=1 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $arg" ;;
    esac
done
[ "$purge" -eq 0 ] || [ "$mode" = uninstall ] || die "--purge goes with --uninstall"

case $mode in
    dev) install_dev ;;
    system) install_system ;;
    uninstall) uninstall "$purge" ;;
esac
