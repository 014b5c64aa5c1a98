"""Test base: Ironic's DB test case, a node ready to cache, a loopback agent.

The agent is a real HTTP server on 127.0.0.1 (port 0) that answers the calls
Ironic 21.4's AgentClient makes the way ironic-python-agent 9.4 does, so the
tests run Ironic's real client, its token handling and its error mapping.
"""

import datetime
import http.server
import json
import urllib.parse
import uuid

from eventlet import patcher
import fixtures
from oslo_utils import timeutils

from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.tests.unit.conductor import mgr_utils
from ironic.tests.unit.db import base as db_base
from ironic.tests.unit.objects import utils as obj_utils

TOKEN = 'agent-token-4f1c9b'
STARTED_AT = 1767225600.25
# The agent's get_deploy_steps result (IPA 9.4's generic hardware manager).
DEPLOY_STEPS = {
    'deploy_steps': {'GenericHardwareManager': [
        {'interface': 'deploy', 'step': 'write_image', 'priority': 0,
         'reboot_requested': False, 'argsinfo': None}]},
    'hardware_manager_version': {'generic_hardware_manager': '1.2'},
}


class FakeAgent(object):
    """ironic-python-agent's REST API: status, commands, token, busy."""

    def __init__(self, token=TOKEN, started_at=STARTED_AT):
        self.token = token
        self.started_at = started_at
        self.commands = []
        self.posts = []
        self.gets = []
        # Answer /v1/status, then go away (the next call is refused).
        self.vanish_after_status = False
        # New commands end at once (a hit: the image was already there).
        self.complete_posts = False
        # After this many reads of /v1/commands, running commands succeed.
        self.finish_after_reads = None
        # (code, body) the command list is answered with instead, e.g. a
        # 500 whose body has no "commands".
        self.commands_fault = None
        agent = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                agent.gets.append(path)
                if path == '/v1/status':
                    if agent.vanish_after_status:
                        # Refuse every later connection, answer this one.
                        agent._server.socket.close()
                        agent._stopping = True
                    self._reply(200, {'started_at': agent.started_at,
                                      'version': '9.4.1'})
                elif path.rstrip('/') == '/v1/commands':
                    agent._count_read()
                    if agent.commands_fault:
                        self._reply(*agent.commands_fault)
                    else:
                        self._reply(200, {'commands': agent.commands})
                else:
                    self._reply(404, {'faultstring': 'Not found'})

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                length = int(self.headers.get('Content-Length') or 0)
                body = json.loads(self.rfile.read(length) or b'{}')
                agent.posts.append({'query': query, 'body': body})
                if query.get('agent_token') != agent.token:
                    self._reply(401, {'faultcode': 'Client',
                                      'faultstring': 'Token invalid.'})
                    return
                running = [c for c in agent.commands
                           if c['command_status'] == 'RUNNING']
                if running:
                    self._reply(409, {
                        'faultcode': 'Client',
                        'faultstring': 'Agent is busy: executing command '
                                       + running[-1]['command_name']})
                    return
                name = body['name'].split('.', 1)[1]
                if name == 'get_deploy_steps':
                    # Synchronous (wait=true), as the real agent answers it.
                    command = agent.add_command(name, 'SUCCEEDED')
                    command['command_result'] = DEPLOY_STEPS
                    self._reply(200, command)
                    return
                status = 'SUCCEEDED' if agent.complete_posts else 'RUNNING'
                self._reply(200, agent.add_command(name, status))

        self._server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
        self._server.timeout = 0.02
        self._port = self._server.server_address[1]
        self._stopping = False
        # A real thread: the tests run under eventlet's monkey patching, and
        # the server's selector is the blocking one from before it.
        self._thread = patcher.original('threading').Thread(
            target=self._serve, daemon=True)
        self._thread.start()

    def _count_read(self):
        if self.finish_after_reads is None:
            return
        self.finish_after_reads -= 1
        if self.finish_after_reads <= 0:
            self.finish_after_reads = None
            for command in self.commands:
                if command['command_status'] == 'RUNNING':
                    command['command_status'] = 'SUCCEEDED'

    def command_reads(self):
        """How many times the command list was read."""
        return sum(1 for p in self.gets if p.rstrip('/') == '/v1/commands')

    def _serve(self):
        while not self._stopping:
            self._server.handle_request()
        self._server.server_close()

    @property
    def url(self):
        """The agent's base URL, as it reports it in its heartbeat."""
        return 'http://127.0.0.1:%d' % self._port

    def add_command(self, name, status='RUNNING', error=None):
        """Append a command to the agent's command list and return it."""
        command = {'id': str(uuid.uuid4()), 'command_name': name,
                   'command_status': status, 'command_error': error,
                   'command_result': None}
        self.commands.append(command)
        return command

    def finish(self, status='SUCCEEDED', error=None):
        """End the last command with the given status."""
        self.commands[-1]['command_status'] = status
        self.commands[-1]['command_error'] = error

    def stop(self):
        """Stop serving and close the listening socket (idempotent)."""
        self._stopping = True
        self._thread.join()


class ArsenalTestCase(mgr_utils.ServiceSetUpMixin, db_base.DbTestCase):
    """A conductor, and a node that can cache: available, powered on, its
    agent heartbeating.
    """

    def setUp(self):
        super(ArsenalTestCase, self).setUp()
        self.useFixture(fixtures.MockPatchObject(
            manager.ConductorManager, '_conductor_service_record_keepalive',
            lambda _: None))
        self.config(enabled_vendor_interfaces=['fake', 'no-vendor',
                                               'arsenal'])
        self.config(fast_track=True, group='deploy')
        # One attempt per agent call: a refused connection fails at once.
        self.config(max_command_attempts=1, command_timeout=5, group='agent')
        self.agent = FakeAgent()
        self.addCleanup(self.agent.stop)
        self.node = obj_utils.create_test_node(
            self.context, uuid=str(uuid.uuid4()), driver='fake-hardware',
            vendor_interface='arsenal', provision_state=states.AVAILABLE,
            power_state=states.POWER_ON,
            properties={'cpu_arch': 'x86_64',
                        'capabilities': 'boot_mode:uefi'},
            driver_internal_info={
                'agent_url': self.agent.url,
                'agent_secret_token': TOKEN,
                'agent_last_heartbeat': heartbeat(),
            })

    def passthru(self, method, http_method='POST', **info):
        """Call a vendor method through the conductor, as the API does."""
        if not getattr(self, '_started', False):
            self._start_service()
            self._started = True
        return self.service.vendor_passthru(self.context, self.node.uuid,
                                            method, http_method, info)

    def wait_for_workers(self):
        """Let async vendor methods finish: stop the conductor, as Ironic's
        own tests do, and start a fresh one (a conductor restart).
        """
        if getattr(self, '_started', False):
            self._stop_service()
        self.service = manager.ConductorManager(self.hostname, 'test-topic')
        self._start_service()
        self._started = True

    def reload(self):
        """The node as the database holds it now."""
        self.node.refresh()
        return self.node

    def update_node(self, **fields):
        """Change node fields in the database (under an exclusive lock)."""
        with task_manager.acquire(self.context, self.node.uuid) as task:
            for key, value in fields.items():
                setattr(task.node, key, value)
            task.node.save()
        return self.reload()

    def set_internal(self, **values):
        """Set (or, with None, remove) driver_internal_info keys."""
        with task_manager.acquire(self.context, self.node.uuid) as task:
            for key, value in values.items():
                if value is None:
                    task.node.del_driver_internal_info(key)
                else:
                    task.node.set_driver_internal_info(key, value)
            task.node.save()
        return self.reload()


def image_info(**changes):
    """A valid whole-disk image_info, with changes (None removes a key)."""
    info = {
        'id': '5f0e3a9e-0b5c-4d6a-9d59-0d3f1b7a1c11',
        'urls': ['http://images.example/5f0e3a9e.qcow2'],
        'os_hash_algo': 'sha512',
        'os_hash_value': 'ab' * 64,
        'checksum': 'cd' * 16,
        'disk_format': 'qcow2',
        'container_format': 'bare',
    }
    for key, value in changes.items():
        if value is None:
            info.pop(key, None)
        else:
            info[key] = value
    return info


def heartbeat(seconds_ago=0):
    """An agent_last_heartbeat value, in the format Ironic writes it."""
    moment = timeutils.utcnow() - datetime.timedelta(seconds=seconds_ago)
    return moment.strftime('%Y-%m-%dT%H:%M:%S.%f')
