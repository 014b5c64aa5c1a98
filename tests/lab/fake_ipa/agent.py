"""One boot of ironic-python-agent 9.4.3 on a lab machine (agent.py, ironic_api_client.py,
api/app.py): lookup, heartbeats, and the agent's REST API.

* Boot: `started_at` is the boot's time; the agent looks itself up by the machine's MAC
  (GET /v1/lookup?addresses=..., API 1.62), retrying with IPA's random exponential back-off,
  5/10/30 s after a 409. A token of 32+ characters is kept; "******" (already handed out) leaves
  the agent without one, as in IPA.
* Then it serves its API on a fresh loopback port (a new address per boot, as DHCP would give)
  and heartbeats (POST /v1/heartbeat/<uuid>, API 1.68, with agent_token and agent_version): the
  first at once, then every heartbeat_timeout x uniform(0.3, 0.6) s; after a command finishes,
  a forced heartbeat as soon as 5 s passed since the last one. A failed heartbeat is retried on
  the next wake-up (at most 5 s later).
* `/v1/commands/` needs the agent's token as `agent_token` (401 "Token invalid." otherwise).
"""
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from fake_ipa import commands
from fake_ipa import errors
from fake_ipa import standby
from fake_ipa.json_http import JsonHandler, JsonServer
from fake_ipa import steps

LOG = logging.getLogger('fake_ipa')
VERSION = '9.4.3'
AGENT_TOKEN_IRONIC_VERSION = (1, 62)
MAX_KNOWN_VERSION = (1, 68)
MIN_JITTER, MAX_JITTER = 0.3, 0.6
FORCED_HEARTBEAT_SPACING = 5
WAKE_SLACK = 0.02
LOOKUP_INTERVAL = 1  # ipa-lookup-interval
LOOKUP_MAX_INTERVAL = 60
HTTP_TIMEOUT = 30


class Stopped(Exception):
    """The machine lost power while the agent was waiting."""


class Agent:
    """The agent of one boot; `stop()` is the power going away."""

    def __init__(self, machine, api_url, config):
        self.machine = machine
        self.api_url = api_url.rstrip('/')
        self.config = config
        self.started_at = time.time()
        self.stopped = threading.Event()
        self.node = None
        self.token = None
        self.token_required = False
        self.heartbeat_timeout = None
        self.httpd = None
        self.callback_url = None
        self.ironic_version = None
        self.previous_heartbeat = 0.0
        self.interval = 0.0
        self.heartbeat_forced = False
        self.last_heartbeat_status = None
        self.journal = []
        self.tmpfs = machine.tmpfs
        self.downloader = standby.Downloader(config.download_retries,
                                             config.download_retry_interval,
                                             config.download_timeout, self.stopped)
        self.standby = standby.StandbyExtension(self)
        self.hardware = steps.HardwareManager(self)
        self.commands = commands.CommandRunner({
            'standby': self.standby,
            'deploy': steps.DeployExtension(self),
            'clean': steps.CleanExtension(self),
            'image': steps.ImageExtension(self),
            'log': steps.LogExtension(self),
        })
        self.thread = threading.Thread(target=self._main, name='agent-' + machine.mac,
                                       daemon=True)

    # -- lifecycle -----------------------------------------------------------------------------

    def log(self, msg, *args):
        """A line in the agent's journal (collect_system_logs) and the process log."""
        text = msg % args if args else msg
        self.journal.append('%s %s' % (time.strftime('%H:%M:%S'), text))
        LOG.info('[%s] %s', self.machine.mac, text)

    def start(self):
        """Boots: POST, lookup, API, heartbeats (on a thread)."""
        self.thread.start()

    def stop(self):
        """Power is gone: no more answers, no more heartbeats."""
        self.stopped.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    def _sleep(self, seconds):
        if self.stopped.wait(seconds):
            raise Stopped()

    def _main(self):
        try:
            self._sleep(self.config.boot_delay)
            self.log('Starting ironic-python-agent version: %s', VERSION)
            self._lookup()
            self._serve()
            self._heartbeat_loop()
        except Stopped:
            pass
        except Exception:  # noqa: B902 - a crashed agent just stops answering
            LOG.exception('[%s] agent crashed', self.machine.mac)

    # -- Ironic API ----------------------------------------------------------------------------

    def _request(self, method, path, body=None, version=None, params=None):
        if self.stopped.is_set():
            raise Stopped()  # no power, nothing leaves the machine
        url = self.api_url + path
        if params:
            url += '?' + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header('Content-Type', 'application/json')
        req.add_header('Accept', 'application/json')
        if version:
            req.add_header('X-OpenStack-Ironic-API-Version', '%d.%d' % version)
        try:
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def _api_version(self):
        if self.ironic_version is None:
            try:
                _, body = self._request('GET', '/')
                major, minor = json.loads(body)['default_version']['version'].split('.')
                self.ironic_version = (int(major), int(minor))
            except (OSError, ValueError, KeyError):
                return (1, 31)  # IPA's MIN_IRONIC_VERSION fallback, not cached
        return self.ironic_version

    def _lookup(self):
        attempt = 0
        lock_pause = 0
        while True:
            content, conflict = self._do_lookup()
            if content is not None:
                self._process_lookup(content)
                return
            if conflict:
                lock_pause = {0: 5, 5: 10}.get(lock_pause, 30)
                self._sleep(lock_pause)
            attempt += 1
            cap = min(LOOKUP_MAX_INTERVAL, LOOKUP_INTERVAL * 2 ** attempt)
            self._sleep(max(LOOKUP_INTERVAL, random.uniform(0, cap)))

    def _do_lookup(self):
        version = min(self._api_version(), AGENT_TOKEN_IRONIC_VERSION)
        try:
            status, body = self._request('GET', '/v1/lookup', version=version,
                                         params={'addresses': self.machine.mac})
        except OSError as e:
            self.log('Error detected while attempting to perform lookup, retrying: %s', e)
            return None, False
        if status == 409:
            return None, True
        if status != 200:
            self.log('Failed looking up node with addresses %s: HTTP %s', self.machine.mac,
                     status)
            return None, False
        try:
            content = json.loads(body)
        except ValueError:
            return None, False
        if 'node' not in content or 'uuid' not in content['node'] or 'config' not in content:
            return None, False
        return content, False

    def _process_lookup(self, content):
        self.node = content['node']
        config = content['config']
        self.heartbeat_timeout = config['heartbeat_timeout']
        if config.get('agent_token_required'):
            self.token_required = True
        token = config.get('agent_token')
        if token and len(token) >= 32:
            self.token = token
        elif token == '******':
            self.log('The agent token has already been retrieved; this agent has none')
        self.log('Lookup succeeded, node UUID is %s', self.node['uuid'])

    def _heartbeat_loop(self):
        while not self.stopped.wait(min(self.interval, FORCED_HEARTBEAT_SPACING)):
            # IPA compares with `>`; the slack keeps a wait that ends a hair early (the event
            # waits on the monotonic clock) from skipping a whole interval
            now = time.time() + WAKE_SLACK
            if self.machine.heartbeats_paused:
                continue
            if now > self.previous_heartbeat + self.interval or (
                    self.heartbeat_forced
                    and now > self.previous_heartbeat + FORCED_HEARTBEAT_SPACING):
                self._heartbeat()

    def _heartbeat(self):
        version = min(MAX_KNOWN_VERSION, self._api_version())
        body = {'callback_url': self.callback_url}
        if version >= AGENT_TOKEN_IRONIC_VERSION:
            body['agent_token'] = self.token
        if version >= (1, 36):
            body['agent_version'] = VERSION
        try:
            status, text = self._request('POST', '/v1/heartbeat/' + self.node['uuid'], body,
                                         version=version)
            self.last_heartbeat_status = status
            if status == 202:
                self.heartbeat_forced = False
                self.previous_heartbeat = time.time()
            else:
                self.log('error sending heartbeat: HTTP %s %s', status,
                         text[:300].decode(errors='replace'))
        except OSError as e:
            self.last_heartbeat_status = None
            self.log('error sending heartbeat: %s', e)
        finally:
            multiplier = random.uniform(MIN_JITTER, MAX_JITTER)
            self.interval = self.heartbeat_timeout * multiplier

    def force_heartbeat(self):
        """After a command finished: Ironic learns of it at the next heartbeat."""
        self.heartbeat_forced = True

    # -- commands ------------------------------------------------------------------------------

    def run_sync(self, name, params, func):
        """A sync_command."""
        return commands.sync_result(name, params, func)

    def run_async(self, name, params, func):
        """An async_command: runs on its thread, forces a heartbeat when done."""
        return commands.async_result(name, params, func, self.force_heartbeat)

    def shut_down(self, command):
        """standby.power_off / run_image: the system goes down a moment later."""
        self.log('%s requested', command)
        threading.Thread(target=self.machine.shut_down_from_os, args=(self, command),
                         daemon=True).start()

    def validate_token(self, token):
        """IronicPythonAgent.validate_agent_token."""
        if not token and self.token and not self.token_required:
            return True
        return self.token == token

    def status(self):
        """GET /v1/status."""
        return {'started_at': self.started_at, 'version': VERSION}

    # -- the REST API --------------------------------------------------------------------------

    def _serve(self):
        agent = self

        class Handler(ApiHandler):
            pass

        Handler.agent = agent
        self.httpd = ApiServer(('127.0.0.1', 0), Handler)
        self.callback_url = 'http://127.0.0.1:%d' % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, name='api-' + self.machine.mac,
                         daemon=True).start()
        self.log('Started API service on %s', self.callback_url)


class ApiServer(JsonServer):
    """The agent's API server (IPA uses oslo.service's wsgi server)."""


class ApiHandler(JsonHandler):
    """Routes of ironic_python_agent/api/app.py, with werkzeug's error bodies."""
    agent = None
    server_version = 'Werkzeug/2.2.3'

    def _fault(self, status, text):
        self._send(status, {'faultcode': 'Server' if status >= 500 else 'Client',
                            'faultstring': text})

    def _route(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path.startswith('/v1/'):
            path = path[3:]
        elif path == '/v1':
            path = '/v1root'
        return path, urllib.parse.parse_qs(url.query)

    def do_GET(self):
        path, query = self._route()
        a = self.agent
        base = 'http://%s' % self.headers.get('Host', '127.0.0.1')
        try:
            if path == '/':
                self._send(200, root_document(base))
            elif path == '/v1root':
                self._send(200, root_document(base)['default_version'])
            elif path == '/status':
                self._send(200, a.status())
            elif path in ('/commands', '/commands/'):
                self._send(200, {'commands': [r.serialize() for r in a.commands.list()]})
            elif path.startswith('/commands/'):
                result = a.commands.get(path[len('/commands/'):])
                if (query.get('wait') or [''])[0].lower() == 'true':
                    result.join()
                self._send(200, result.serialize())
            else:
                self._not_found()
        except errors.RESTError as e:
            self._fault(e.status_code, str(e))

    def do_POST(self):
        path, query = self._route()
        if path not in ('/commands', '/commands/'):
            return self._not_allowed() if self._known(path) else self._not_found()
        length = int(self.headers.get('Content-Length') or 0)
        try:
            body = json.loads(self.rfile.read(length) or b'null')
        except ValueError as e:
            return self._fault(400, '400 Bad Request: Failed to decode JSON object: %s' % e)
        if (not isinstance(body, dict) or 'name' not in body or 'params' not in body
                or not isinstance(body['params'], dict)):
            return self._fault(400, '400 Bad Request: Missing or invalid name or params')
        token = (query.get('agent_token') or [None])[0]
        if not self.agent.validate_token(token):
            return self._fault(401, '401 Unauthorized: Token invalid.')
        try:
            result = self.agent.commands.execute(body['name'], body['params'])
            if (query.get('wait') or [''])[0].lower() == 'true':
                result.join()
            self._send(200, result.serialize())
        except errors.RESTError as e:
            self._fault(e.status_code, str(e))

    def _known(self, path):
        return path in ('/', '/v1root', '/status') or path.startswith('/commands/')

    def _not_found(self):
        self._fault(404, '404 Not Found: The requested URL was not found on the server. If you '
                    'entered the URL manually please check your spelling and try again.')

    def _not_allowed(self):
        self._fault(405, '405 Method Not Allowed: The method is not allowed for the requested '
                    'URL.')

    do_PUT = do_DELETE = do_PATCH = lambda self: self._not_allowed()  # noqa: E731


def root_document(url):
    """GET / of the agent API."""
    version = {'id': 'v1', 'links': [
        {'href': url + '/v1/', 'rel': 'self'},
        {'href': 'https://docs.openstack.org/ironic-python-agent', 'rel': 'describedby',
         'type': 'text/html'}]}
    return {'name': 'OpenStack Ironic Python Agent API',
            'description': ('Ironic Python Agent is a provisioning agent for OpenStack '
                            'Ironic'),
            'versions': [version], 'default_version': version}
