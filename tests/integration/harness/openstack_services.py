#!/usr/bin/python3
"""Real OpenStack services (Debian 12 packages) on 127.0.0.1, for Arsenal's integration suite.

    openstack_services.py packages [--no-install]
        check the Debian packages; as root, install the missing ones (no recommends)
    openstack_services.py up --state-dir DIR [--max-limit 20] [--cache-delay 1] [...]
        start Ironic, Glance, Keystone and the Nova API
    openstack_services.py down --state-dir DIR [--purge]
        stop them (by PID and process group)

With `up --owner-pid PID`, a detached watchdog stops the services as soon as process PID
ends (e.g. a test runner killed by Ctrl-C before it could run `down`).

`up` picks free ports on 127.0.0.1, writes every config, sqlite DB, log and pidfile under
DIR, starts the services in parallel (each through launch.py, in its own session), registers
the baremetal/image/compute endpoints in Keystone's catalog and prints one JSON object
(also written to DIR/env.json):

    {"stateDir": DIR, "ports": {"ironic": P, ...},
     "urls": {"ironic": "http://127.0.0.1:P", "glance": ..., "keystone": ".../v3",
              "nova": ".../v2.1"},
     "adminUser": "admin", "adminPassword": ..., "project": "admin", "region": "RegionOne",
     "ironicMaxLimit": 20, "pids": {...}, "timings": {...}}

What runs:
  Ironic   API + conductor in one process (ironic.cmd.singleprocess), rpc_transport=none,
           auth noauth, sqlite, hardware types fake-hardware and arsenal-fake-hardware
           (ironic-plugin/: its vendor interface implements cache_image, its cleaning erases
           driver_info cache_*), [api]max_limit from --max-limit.
  Glance   glance.cmd.api, workers=0, file store, unauthenticated context, allow-all policy.
  Keystone the Flask WSGI app on launch.py's stdlib server; real v3 password auth, fernet.
  Nova     nova.cmd.api (osapi_compute only), noauth2 ("admin:admin" is admin), sqlite,
           transport_url=fake:// -- enough for flavors and their extra specs.
The services do not validate tokens; only Keystone checks credentials.

Progress goes to stderr. Only the standard library is used here; the services themselves run
on Debian's /usr/bin/python3, which sees the packages in dist-packages.
"""
import argparse
import grp
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN_DIR = os.path.join(HERE, "ironic-plugin")
PY = "/usr/bin/python3"
HOST = "127.0.0.1"
SERVICES = ("ironic", "glance", "keystone", "nova")
PACKAGES = {
    "ironic": "python3-ironic",
    "glance": "python3-glance",
    "keystone": "python3-keystone",
    "nova": "python3-nova",
}
MARKER = ".arsenal-openstack-state"
START_DEADLINE = 90  # seconds a service may take to answer HTTP after it is launched
T0 = time.monotonic()


def log(msg):
    sys.stderr.write(f"[openstack {time.monotonic() - T0:6.1f}s] {msg}\n")
    sys.stderr.flush()


class HarnessError(Exception):
    pass


# ------------------------------------------------------------------ packages ----

def missing_packages(names):
    missing = []
    for p in names:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p],
                           capture_output=True, text=True)
        if r.returncode != 0 or "install ok installed" not in r.stdout:
            missing.append(p)
    return missing


def ensure_packages(names, install=True):
    """Returns the packages it installed; raises HarnessError when some are missing."""
    if not shutil.which("dpkg-query"):
        raise HarnessError("dpkg-query not found: the OpenStack harness needs Debian 12 "
                           "(bookworm) and its python3-ironic/glance/keystone/nova packages")
    missing = missing_packages(names)
    if not missing:
        return []
    cmd = "apt-get install -y --no-install-recommends " + " ".join(missing)
    if not install:
        raise HarnessError(f"missing Debian packages: {' '.join(missing)} (install: {cmd})")
    if os.geteuid() != 0:
        raise HarnessError(f"missing Debian packages: {' '.join(missing)}; not root, so not "
                           f"installing them. Run as root: apt-get update && {cmd}")
    log(f"installing {' '.join(missing)} (apt-get, --no-install-recommends) ...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for args in (["apt-get", "update", "-qq"],
                 ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]):
        r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            tail = "\n".join((r.stdout + r.stderr).splitlines()[-30:])
            raise HarnessError(f"{' '.join(args)} failed (exit {r.returncode}):\n{tail}")
    still = missing_packages(missing)
    if still:
        raise HarnessError(f"apt-get install left packages missing: {' '.join(still)}")
    log("install done")
    return missing


# --------------------------------------------------------------- processes ----

def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (bound to port 0 together, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def proc_stat(pid):
    """(state, pgrp, starttime) of a process, or None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read()
    except OSError:
        return None
    fields = st[st.rindex(")") + 2:].split()  # after "pid (comm) "
    return fields[0], int(fields[2]), fields[19]


def group_members(pgid):
    """Live (non-zombie) processes in process group pgid."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st and st[1] == pgid and st[0] != "Z":
                out.append(int(name))
    return out


class Services:
    def __init__(self, state_dir):
        self.S = os.path.abspath(state_dir)
        self.pids = os.path.join(self.S, "pids")
        self.logs = os.path.join(self.S, "logs")

    def path(self, *parts):
        return os.path.join(self.S, *parts)

    def write(self, rel, text):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        return p

    def run(self, name, args, logname, timeout=300):
        """Runs a one-shot python command (db sync etc.), output appended to logs/logname."""
        t = time.monotonic()
        with open(os.path.join(self.logs, logname), "a") as out:
            out.write(f"\n$ {' '.join(args)}\n")
            out.flush()
            r = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                               env=self.env(), timeout=timeout)
        if r.returncode != 0:
            raise HarnessError(f"{name} failed (exit {r.returncode}):\n"
                               + self.tail(os.path.join(self.logs, logname)))
        log(f"{name}: {time.monotonic() - t:.1f}s")

    def env(self, pythonpath=None, extra=None):
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
        env.pop("PYTHONPATH", None)
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        env.update(extra or {})
        return env

    @staticmethod
    def tail(path, n=25):
        try:
            with open(path, errors="replace") as f:
                lines = f.read().splitlines()[-n:]
            return f"---- {path} (last {len(lines)} lines)\n" + "\n".join(lines)
        except OSError:
            return f"---- {path}: (none)"

    def start(self, name, target, *args, pythonpath=None, extra_env=None):
        """Launches a service detached; returns its PID (= its process group ID)."""
        pidfile = os.path.join(self.pids, f"{name}.pid")
        for p in (pidfile, pidfile + ".json"):
            if os.path.exists(p):
                os.remove(p)
        logfile = os.path.join(self.logs, f"{name}.stdout.log")
        with open(logfile, "a") as out:
            subprocess.Popen([PY, os.path.join(HERE, "launch.py"), pidfile, logfile, target,
                              *args], stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                             env=self.env(pythonpath, extra_env), close_fds=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with open(pidfile) as f:
                    pid = int(f.read().strip())
                break
            except (OSError, ValueError):
                time.sleep(0.05)
        else:
            raise HarnessError(f"{name} did not write its pidfile\n" + self.tail(logfile))
        st = proc_stat(pid)
        if st is None:
            raise HarnessError(f"{name} exited at once\n" + self.tail(logfile))
        # the start time tells our process from a later one that reuses the PID
        with open(pidfile + ".json", "w") as f:
            json.dump({"pid": pid, "starttime": st[2], "name": name}, f)
        return pid

    def alive(self, name):
        rec = self.record(name)
        return rec is not None and self.ours(rec)

    def record(self, name):
        try:
            with open(os.path.join(self.pids, f"{name}.pid.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    @staticmethod
    def ours(rec):
        st = proc_stat(rec["pid"])
        return st is not None and st[0] != "Z" and st[2] == rec["starttime"]

    def wait_http(self, name, url, deadline_s=START_DEADLINE):
        t = time.monotonic()
        deadline = t + deadline_s
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                return time.monotonic() - t
            except urllib.error.HTTPError:
                return time.monotonic() - t  # it answers
            except Exception:
                pass
            if not self.alive(name):
                raise HarnessError(f"{name} exited during start-up\n" + self.logs_of(name))
            time.sleep(0.2)
        raise HarnessError(f"{name} not answering on {url} after {deadline_s}s\n"
                           + self.logs_of(name))

    def logs_of(self, name):
        return "\n".join(self.tail(os.path.join(self.logs, f)) for f in
                         (f"{name}.stdout.log", f"{name}.log"))

    def start_watchdog(self, owner_pid):
        """Starts `watch`: it runs down() as soon as process owner_pid is gone."""
        st = proc_stat(owner_pid)
        if st is None:
            raise HarnessError(f"--owner-pid {owner_pid}: no such process")
        with open(os.path.join(self.logs, "watchdog.log"), "a") as out:
            proc = subprocess.Popen(
                [PY, os.path.abspath(__file__), "watch", "--state-dir", self.S,
                 "--owner-pid", str(owner_pid), "--owner-start", st[2]],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=self.env(),
                start_new_session=True, close_fds=True)
        mine = proc_stat(proc.pid)
        with open(self.path("watchdog.json"), "w") as f:
            json.dump({"pid": proc.pid, "starttime": mine[2] if mine else ""}, f)

    def stop_watchdog(self):
        try:
            with open(self.path("watchdog.json")) as f:
                rec = json.load(f)
            os.remove(self.path("watchdog.json"))
        except (OSError, ValueError):
            return
        if rec["pid"] != os.getpid() and self.ours(rec):
            try:
                os.kill(rec["pid"], signal.SIGTERM)
            except ProcessLookupError:
                pass

    def down(self, term_wait=5.0, kill_wait=5.0):
        """Stops every service recorded in pids/: SIGTERM to its group, then SIGKILL."""
        groups = {}
        if os.path.isdir(self.pids):
            for f in sorted(os.listdir(self.pids)):
                if not f.endswith(".pid.json"):
                    continue
                name = f[:-len(".pid.json")]
                rec = self.record(name)
                if rec and self.ours(rec):
                    groups[name] = rec["pid"]
        stopped = []
        for name, pgid in groups.items():
            # launch.py called setsid(), so its PID is its process group ID
            try:
                if os.getpgid(pgid) == pgid:
                    os.killpg(pgid, signal.SIGTERM)
                else:
                    os.kill(pgid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for sig, wait in ((None, term_wait), (signal.SIGKILL, kill_wait)):
            left = {n: g for n, g in groups.items() if group_members(g)}
            if sig is not None:
                for name, pgid in left.items():
                    log(f"down: {name} (group {pgid}) still running after SIGTERM; SIGKILL")
                    for pid in group_members(pgid):
                        try:
                            os.kill(pid, sig)
                        except ProcessLookupError:
                            pass
            deadline = time.monotonic() + wait
            while left and time.monotonic() < deadline:
                time.sleep(0.1)
                left = {n: g for n, g in left.items() if group_members(g)}
        for name, pgid in groups.items():
            if group_members(pgid):
                raise HarnessError(f"{name} (process group {pgid}) survived SIGKILL")
            stopped.append(name)
        for f in os.listdir(self.pids) if os.path.isdir(self.pids) else []:
            os.remove(os.path.join(self.pids, f))
        self.stop_watchdog()
        return stopped


# ------------------------------------------------------------------ configs ----

IRONIC_CONF = """\
[DEFAULT]
auth_strategy = noauth
host = arsenal-test
rpc_transport = none
debug = false
log_file = {S}/logs/ironic.log
enabled_hardware_types = fake-hardware,arsenal-fake-hardware
enabled_bios_interfaces = fake,no-bios
enabled_boot_interfaces = fake
enabled_console_interfaces = fake,no-console
enabled_deploy_interfaces = fake
enabled_inspect_interfaces = fake,no-inspect
enabled_management_interfaces = fake,arsenal-fake
enabled_network_interfaces = noop
enabled_power_interfaces = fake
enabled_raid_interfaces = fake,no-raid
enabled_rescue_interfaces = fake,no-rescue
enabled_storage_interfaces = noop,fake
enabled_vendor_interfaces = fake,no-vendor,arsenal-cache
default_bios_interface = fake

[api]
host_ip = {HOST}
port = {port}
max_limit = {max_limit}

[database]
connection = sqlite:///{S}/ironic/ironic.sqlite

[dhcp]
dhcp_provider = none

[conductor]
automated_clean = true

[arsenal_fake]
cache_delay = {cache_delay}

[oslo_concurrency]
lock_path = {S}/ironic/lock
"""

GLANCE_PASTE = """\
# from Debian's /usr/share/glance-common/glance-api-paste.ini, unauthenticated pipeline only
[pipeline:glance-api]
pipeline = cors healthcheck http_proxy_to_wsgi versionnegotiation osprofiler \
unauthenticated-context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory
backends = disable_by_file
disable_by_file_path = {S}/glance/healthcheck_disable

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:unauthenticated-context]
paste.filter_factory = glance.api.middleware.context:UnauthenticatedContextMiddleware.factory

[filter:osprofiler]
paste.filter_factory = osprofiler.web:WsgiMiddleware.factory

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = glance
oslo_config_program = glance-api

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
"""

GLANCE_CONF = """\
[DEFAULT]
bind_host = {HOST}
bind_port = {port}
workers = 0
log_file = {S}/logs/glance.log
enabled_backends = fs:file
public_endpoint = http://{HOST}:{port}

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = {S}/glance/images/

[os_glance_staging_store]
filesystem_store_datadir = {S}/glance/staging/

[os_glance_tasks_store]
filesystem_store_datadir = {S}/glance/tasks/

[database]
connection = sqlite:///{S}/glance/glance.sqlite

[paste_deploy]
flavor =
config_file = {S}/glance/glance-api-paste.ini

[oslo_policy]
policy_file = {S}/glance/policy.yaml

[oslo_concurrency]
lock_path = {S}/glance/lock
"""

# The unauthenticated context is is_admin but has no roles, and rules such as
# publicize_image are "role:admin" (403 on visibility=public): allow every rule.
GLANCE_POLICY = """\
import sys
from glance.policies import list_rules
names = sorted({r.name for r in list_rules()})
with open(sys.argv[1], "w") as f:
    f.write("# generated by openstack_services.py: allow everything (no auth)\\n")
    f.writelines(f'"{n}": "@"\\n' for n in names)
"""

KEYSTONE_CONF = """\
[DEFAULT]
log_file = {S}/logs/keystone.log

[database]
connection = sqlite:///{S}/keystone/keystone.sqlite

[token]
provider = fernet
expiration = 86400

[fernet_tokens]
key_repository = {S}/keystone/fernet-keys

[fernet_receipts]
key_repository = {S}/keystone/fernet-keys

[credential]
key_repository = {S}/keystone/credential-keys
"""

NOVA_PASTE = """\
# from Debian's /usr/share/nova-common/api-paste.ini (compute API, noauth2 only)
[composite:osapi_compute]
use = call:nova.api.openstack.urlmap:urlmap_factory
/: oscomputeversions
/v2.1: oscomputeversion_v2
/v2.1/+: openstack_compute_api_v21

[composite:openstack_compute_api_v21]
use = call:nova.api.auth:pipeline_factory_v21
noauth2 = cors http_proxy_to_wsgi compute_req_id faultwrap request_log sizelimit \
osprofiler noauth2 osapi_compute_app_v21

[filter:request_log]
paste.filter_factory = nova.api.openstack.requestlog:RequestLog.factory

[filter:compute_req_id]
paste.filter_factory = nova.api.compute_req_id:ComputeReqIdMiddleware.factory

[filter:faultwrap]
paste.filter_factory = nova.api.openstack:FaultWrapper.factory

[filter:noauth2]
paste.filter_factory = nova.api.openstack.auth:NoAuthMiddleware.factory

[filter:osprofiler]
paste.filter_factory = nova.profiler:WsgiMiddleware.factory

[filter:sizelimit]
paste.filter_factory = oslo_middleware:RequestBodySizeLimiter.factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory

[app:osapi_compute_app_v21]
paste.app_factory = nova.api.openstack.compute:APIRouterV21.factory

[pipeline:oscomputeversions]
pipeline = cors faultwrap request_log http_proxy_to_wsgi oscomputeversionapp

[pipeline:oscomputeversion_v2]
pipeline = cors compute_req_id faultwrap request_log http_proxy_to_wsgi oscomputeversionapp_v2

[app:oscomputeversionapp]
paste.app_factory = nova.api.openstack.compute.versions:Versions.factory

[app:oscomputeversionapp_v2]
paste.app_factory = nova.api.openstack.compute.versions:VersionsV2.factory

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = nova
"""

NOVA_CONF = """\
[DEFAULT]
host = arsenal-test
log_file = {S}/logs/nova.log
state_path = {S}/nova
# oslo.messaging's in-memory driver: the API never needs a broker for flavors
transport_url = fake://
enabled_apis = osapi_compute
osapi_compute_listen = {HOST}
osapi_compute_listen_port = {port}
osapi_compute_workers = 1

[api]
auth_strategy = noauth2

[wsgi]
api_paste_config = {S}/nova/api-paste.ini

[api_database]
connection = sqlite:///{S}/nova/nova_api.sqlite

[database]
connection = sqlite:///{S}/nova/nova.sqlite

[oslo_concurrency]
lock_path = {S}/nova/lock
"""


# ----------------------------------------------------------------- services ----

def parallel(*fns):
    """Runs the callables on threads; raises the first error after all finished."""
    errors = []

    def wrap(fn):
        try:
            fn()
        except BaseException as e:  # noqa: B902 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def up_ironic(sv, port, max_limit, cache_delay, timings):
    t = time.monotonic()
    S = sv.S
    os.makedirs(sv.path("ironic", "lock"), exist_ok=True)
    conf = sv.write("ironic/ironic.conf", IRONIC_CONF.format(
        S=S, HOST=HOST, port=port, max_limit=max_limit, cache_delay=cache_delay))
    sv.run("ironic dbsync", [PY, "-c", "import sys; from ironic.cmd.dbsync import main; "
                             "sys.exit(main())", "--config-file", conf, "create_schema"],
           "ironic-dbsync.log")
    # stevedore caches entry points keyed on the sys.path directories' mtimes: touch the
    # plugin directory so that an edited entry_points.txt is always seen
    os.utime(PLUGIN_DIR)
    sv.start("ironic", "ironic.cmd.singleprocess:main", "--config-file", conf,
             pythonpath=PLUGIN_DIR)
    sv.wait_http("ironic", f"http://{HOST}:{port}/")
    timings["ironic"] = round(time.monotonic() - t, 2)
    log(f"ironic up on {port} ({timings['ironic']}s)")


def up_glance(sv, port, timings):
    t = time.monotonic()
    S = sv.S
    for d in ("images", "staging", "tasks", "lock"):
        os.makedirs(sv.path("glance", d), exist_ok=True)
    sv.write("glance/glance-api-paste.ini", GLANCE_PASTE.format(S=S))
    conf = sv.write("glance/glance-api.conf", GLANCE_CONF.format(S=S, HOST=HOST, port=port))
    parallel(
        lambda: sv.run("glance policy", [PY, "-c", GLANCE_POLICY, sv.path("glance", "policy.yaml")],
                       "glance-manage.log"),
        lambda: sv.run("glance db_sync", [PY, "-m", "glance.cmd.manage", "--config-file", conf,
                                          "db_sync"], "glance-manage.log"),
    )
    sv.start("glance", "glance.cmd.api", "--config-file", conf)
    sv.wait_http("glance", f"http://{HOST}:{port}/healthcheck")
    timings["glance"] = round(time.monotonic() - t, 2)
    log(f"glance up on {port} ({timings['glance']}s)")


def up_keystone(sv, port, password, catalog, timings):
    t = time.monotonic()
    S = sv.S
    for d in ("fernet-keys", "credential-keys"):
        os.makedirs(sv.path("keystone", d), mode=0o700, exist_ok=True)
    conf = sv.write("keystone/keystone.conf", KEYSTONE_CONF.format(S=S))
    user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name

    def km(name, *args):
        sv.run(f"keystone-manage {name}",
               [PY, "-c", "import sys; from keystone.cmd.manage import main; sys.exit(main())",
                "--config-file", conf, name, *args], f"keystone-manage-{name}.log")

    owner = ("--keystone-user", user, "--keystone-group", group)
    parallel(lambda: km("db_sync"), lambda: km("fernet_setup", *owner),
             lambda: km("credential_setup", *owner))
    url = f"http://{HOST}:{port}/v3/"
    km("bootstrap", "--bootstrap-password", password, "--bootstrap-username", "admin",
       "--bootstrap-project-name", "admin", "--bootstrap-role-name", "admin",
       "--bootstrap-service-name", "keystone", "--bootstrap-region-id", "RegionOne",
       "--bootstrap-admin-url", url, "--bootstrap-public-url", url,
       "--bootstrap-internal-url", url)
    sv.start("keystone", f"wsgi:{HOST}:{port}:keystone_wsgi:initialize_public_application",
             pythonpath=HERE, extra_env={"OS_KEYSTONE_CONFIG_FILES": conf})
    sv.wait_http("keystone", f"http://{HOST}:{port}/v3")
    register_catalog(f"http://{HOST}:{port}/v3", password, catalog)
    timings["keystone"] = round(time.monotonic() - t, 2)
    log(f"keystone up on {port}, catalog registered ({timings['keystone']}s)")


def up_nova(sv, port, timings):
    t = time.monotonic()
    S = sv.S
    os.makedirs(sv.path("nova", "lock"), exist_ok=True)
    sv.write("nova/api-paste.ini", NOVA_PASTE)
    conf = sv.write("nova/nova.conf", NOVA_CONF.format(S=S, HOST=HOST, port=port))

    def nm(*args):
        sv.run(f"nova-manage {' '.join(args)}",
               [PY, "-c", "import sys; from nova.cmd.manage import main; sys.exit(main())",
                "--config-file", conf, *args], f"nova-manage-{args[0]}.log")

    nm("api_db", "sync")
    nm("db", "sync")  # the API checks its service record there at start-up
    sv.start("nova", "nova.cmd.api:main", "--config-file", conf)
    sv.wait_http("nova", f"http://{HOST}:{port}/")
    timings["nova"] = round(time.monotonic() - t, 2)
    log(f"nova up on {port} ({timings['nova']}s)")


def keystone_call(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    req.add_header("Accept", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.headers.get("X-Subject-Token"), json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        raise HarnessError(f"keystone {method} {path}: HTTP {e.code} "
                           f"{e.read().decode(errors='replace')[:500]}") from None


def register_catalog(base, password, catalog):
    """catalog: [(type, name, url)] -> a service and public/internal/admin endpoints each."""
    token, _ = keystone_call(base, "POST", "/auth/tokens", {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    for typ, name, url in catalog:
        _, svc = keystone_call(base, "POST", "/services", {"service": {
            "type": typ, "name": name, "enabled": True}}, token)
        for iface in ("public", "internal", "admin"):
            keystone_call(base, "POST", "/endpoints", {"endpoint": {
                "service_id": svc["service"]["id"], "interface": iface, "url": url,
                "region_id": "RegionOne", "enabled": True}}, token)


def cmd_up(a):
    timings = {}
    t = time.monotonic()
    ensure_packages(list(PACKAGES.values()), install=a.install)
    timings["packages"] = round(time.monotonic() - t, 2)
    if not os.path.exists(PY):
        raise HarnessError(f"{PY} not found")
    S = os.path.abspath(a.state_dir)
    if os.path.isdir(S) and os.listdir(S) and not os.path.exists(os.path.join(S, MARKER)):
        raise HarnessError(f"{S} exists, is not empty and is not a harness state dir")
    sv = Services(S)
    if any(sv.alive(s) for s in SERVICES):
        raise HarnessError(f"services of {S} are already running; run `down` first")
    for d in (sv.pids, sv.logs):
        os.makedirs(d, exist_ok=True)
    open(os.path.join(S, MARKER), "w").close()
    if a.owner_pid:
        sv.start_watchdog(a.owner_pid)

    ports = dict(zip(SERVICES, free_ports(len(SERVICES))))
    urls = {
        "ironic": f"http://{HOST}:{ports['ironic']}",
        "glance": f"http://{HOST}:{ports['glance']}",
        "keystone": f"http://{HOST}:{ports['keystone']}/v3",
        "nova": f"http://{HOST}:{ports['nova']}/v2.1",
    }
    catalog = [("baremetal", "ironic", urls["ironic"]), ("image", "glance", urls["glance"]),
               ("compute", "nova", urls["nova"])]
    log(f"ports {ports}; state {S}")
    t = time.monotonic()
    try:
        parallel(
            lambda: up_ironic(sv, ports["ironic"], a.max_limit, a.cache_delay, timings),
            lambda: up_glance(sv, ports["glance"], timings),
            lambda: up_keystone(sv, ports["keystone"], a.admin_password, catalog, timings),
            lambda: up_nova(sv, ports["nova"], timings),
        )
    except BaseException:
        log("start-up failed; stopping what was started")
        sv.down()
        raise
    timings["up"] = round(time.monotonic() - t, 2)
    env = {
        "stateDir": S,
        "host": HOST,
        "ports": ports,
        "urls": urls,
        "adminUser": "admin",
        "adminPassword": a.admin_password,
        "project": "admin",
        "region": "RegionOne",
        "ironicMaxLimit": a.max_limit,
        "cacheDelay": a.cache_delay,
        "pids": {s: sv.record(s)["pid"] for s in SERVICES},
        "timings": timings,
    }
    with open(os.path.join(S, "env.json"), "w") as f:
        json.dump(env, f, indent=2)
    log(f"all up in {timings['up']}s")
    print(json.dumps(env))


def cmd_down(a):
    t = time.monotonic()
    S = os.path.abspath(a.state_dir)
    stopped = Services(S).down() if os.path.isdir(S) else []
    if a.purge and os.path.exists(os.path.join(S, MARKER)):
        shutil.rmtree(S, ignore_errors=True)
    log(f"down: stopped {stopped or 'nothing'} in {time.monotonic() - t:.1f}s")
    print(json.dumps({"stopped": stopped, "seconds": round(time.monotonic() - t, 2)}))


def cmd_watch(a):
    """Waits for the owner process to end, then stops the services (unless down ran first)."""
    sv = Services(a.state_dir)
    while True:
        try:
            with open(sv.path("watchdog.json")) as f:
                if json.load(f)["pid"] != os.getpid():
                    return
        except FileNotFoundError:
            # not written yet right after start, or removed by down()
            if time.monotonic() - T0 > 10:
                return
        except (OSError, ValueError):
            pass
        st = proc_stat(a.owner_pid)
        if st is None or st[0] == "Z" or st[2] != a.owner_start:
            log(f"watchdog: owner {a.owner_pid} is gone; stopping the services")
            sv.down()
            return
        time.sleep(0.5)


def cmd_packages(a):
    t = time.monotonic()
    installed = ensure_packages(list(PACKAGES.values()), install=a.install)
    print(json.dumps({"installed": installed, "seconds": round(time.monotonic() - t, 2)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("packages", help="check (and as root install) the Debian packages")
    p.add_argument("--no-install", dest="install", action="store_false")
    p.set_defaults(fn=cmd_packages)
    p = sub.add_parser("up", help="start the services")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--max-limit", type=int, default=20, help="Ironic [api]max_limit")
    p.add_argument("--cache-delay", type=float, default=1.0,
                   help="seconds a fake cache_image stays 'caching'")
    p.add_argument("--admin-password", default="secret")
    p.add_argument("--no-install", dest="install", action="store_false")
    p.add_argument("--owner-pid", type=int,
                   help="stop the services as soon as this process ends (a watchdog)")
    p.set_defaults(fn=cmd_up)
    p = sub.add_parser("watch", help=argparse.SUPPRESS)
    p.add_argument("--state-dir", required=True)
    p.add_argument("--owner-pid", type=int, required=True)
    p.add_argument("--owner-start", required=True)
    p.set_defaults(fn=cmd_watch)
    p = sub.add_parser("down", help="stop the services")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--purge", action="store_true", help="also delete the state dir")
    p.set_defaults(fn=cmd_down)
    a = ap.parse_args()
    try:
        a.fn(a)
    except HarnessError as e:
        sys.stderr.write(f"openstack_services.py {a.command}: {e}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
