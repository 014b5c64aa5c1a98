"""The periodic check: caching -> cached | failed, any live record -> lost."""

import socket
import time
from unittest import mock

import fixtures

from ironic.common import states
from ironic.conductor import task_manager
from ironic.tests.unit.objects import utils as obj_utils

from arsenal_ironic import vendor
from arsenal_ironic.tests import base

IMAGE = base.image_info()['id']


class PeriodicTestCase(base.ArsenalTestCase):

    def setUp(self):
        super(PeriodicTestCase, self).setUp()
        self._start_service()
        self._started = True

    def record(self, status, **extra):
        """Give the node a record in the given status, as cache_image would."""
        if status == 'caching' and 'command_id' not in extra:
            extra['command_id'] = self.agent.add_command('prepare_image')['id']
        record = dict({'image_id': IMAGE, 'status': status,
                       'agent_started_at': base.STARTED_AT,
                       'agent_url': self.agent.url,
                       'since': '2026-01-01T00:00:00+00:00'}, **extra)
        self.set_internal(arsenal_cache=record)
        if status == 'cached':
            self.update_node(properties={
                'capabilities': 'boot_mode:uefi,arsenal_cached_image:'
                                + IMAGE})
        return record

    def check(self):
        """Run one iteration of the periodic task; the node's record after."""
        vendor.ArsenalVendor()._check_caches(self.service, self.context)
        return self.reload().driver_internal_info.get('arsenal_cache')

    def capabilities(self):
        return self.reload().properties.get('capabilities')

    def test_keeps_caching_while_the_agent_runs_the_command(self):
        before = self.record('caching')
        self.assertEqual(before, self.check())

    def test_moves_caching_to_cached_and_mirrors_the_capability(self):
        before = self.record('caching')
        self.agent.finish('SUCCEEDED')
        after = self.check()
        self.assertEqual('cached', after['status'])
        self.assertNotEqual(before['since'], after['since'])
        self.assertEqual(before['command_id'], after['command_id'])
        self.assertEqual('boot_mode:uefi,arsenal_cached_image:' + IMAGE,
                         self.capabilities())

    def test_moves_caching_to_failed_with_the_agents_error(self):
        self.record('caching')
        self.agent.finish('FAILED', error={
            'type': 'ImageChecksumError', 'code': 500,
            'message': 'Error verifying image checksum',
            'details': 'Image failed to verify against checksum.'})
        after = self.check()
        self.assertEqual('failed', after['status'])
        self.assertEqual('Image failed to verify against checksum.',
                         after['error'])
        self.assertEqual('boot_mode:uefi', self.capabilities())

    def test_follows_its_own_command_not_a_later_one(self):
        self.record('caching')
        self.agent.finish('FAILED', error={'details': 'disk full'})
        self.agent.add_command('prepare_image', status='SUCCEEDED')
        self.assertEqual('failed', self.check()['status'])

    def test_loses_a_record_the_agent_does_not_know(self):
        self.record('caching', command_id='not-a-command-of-this-agent')
        after = self.check()
        self.assertEqual('lost', after['status'])
        self.assertIn('has no command', after['error'])

    def test_loses_a_cached_image_when_the_node_leaves_available(self):
        self.record('cached')
        self.update_node(provision_state=states.DEPLOYING,
                         target_provision_state=states.ACTIVE)
        after = self.check()
        self.assertEqual('lost', after['status'])
        self.assertIn('deploying', after['error'])
        self.assertEqual('boot_mode:uefi', self.capabilities())

    def test_loses_a_caching_image_when_a_deploy_takes_the_node(self):
        self.record('caching')
        self.update_node(provision_state=states.DEPLOYWAIT)
        # The deploy's own write replaced ours on the agent: never "cached".
        self.agent.finish('SUCCEEDED')
        self.assertEqual('lost', self.check()['status'])
        self.assertEqual('boot_mode:uefi', self.capabilities())

    def test_loses_the_record_when_the_agent_restarted(self):
        self.record('cached')
        self.agent.started_at = base.STARTED_AT + 3600
        after = self.check()
        self.assertEqual('lost', after['status'])
        self.assertIn('restarted', after['error'])
        self.assertEqual('boot_mode:uefi', self.capabilities())

    def test_loses_the_record_when_the_heartbeat_is_stale(self):
        self.config(fast_track_timeout=300, group='deploy')
        self.record('cached')
        self.set_internal(agent_last_heartbeat=base.heartbeat(400))
        after = self.check()
        self.assertEqual('lost', after['status'])
        self.assertIn('heartbeat', after['error'])

    def test_loses_the_record_when_a_power_action_wiped_the_agent(self):
        self.record('cached')
        self.set_internal(agent_url=None, agent_secret_token=None)
        after = self.check()
        self.assertEqual('lost', after['status'])
        self.assertIn('no agent_url', after['error'])
        self.assertEqual('boot_mode:uefi', self.capabilities())

    def test_keeps_the_record_when_the_same_agent_reports_another_url(self):
        before = self.record('cached')
        self.set_internal(agent_url=self.agent.url.replace('127.0.0.1',
                                                           'localhost'))
        self.assertEqual(before, self.check())

    def test_keeps_the_record_when_the_agent_is_briefly_unreachable(self):
        before = self.record('cached')
        self.agent.stop()
        self.assertEqual(before, self.check())
        self.assertIn('arsenal_cached_image:' + IMAGE, self.capabilities())

    def test_a_silent_agent_holds_the_check_seconds_not_command_timeout(self):
        # The periodic checks its nodes one after the other: an agent that
        # accepts and never answers must not cost each node a command_timeout.
        self.config(command_timeout=5, group='agent')
        self.useFixture(fixtures.MonkeyPatch(
            'arsenal_ironic.ipa.STATUS_TIMEOUT', 0.3))
        silent = socket.socket()
        self.addCleanup(silent.close)
        silent.bind(('127.0.0.1', 0))
        silent.listen(8)
        before = self.record('cached')
        self.set_internal(agent_url='http://127.0.0.1:%d'
                          % silent.getsockname()[1])
        started = time.monotonic()
        self.assertEqual(before, self.check())
        self.assertLess(time.monotonic() - started, 3)

    def test_leaves_failed_and_lost_records_alone(self):
        for status in ('failed', 'lost'):
            before = self.record(status, error='earlier')
            self.update_node(provision_state=states.ACTIVE)
            self.assertEqual(before, self.check())
            self.update_node(provision_state=states.AVAILABLE)

    def test_skips_a_node_locked_by_another_task(self):
        before = self.record('caching')
        self.agent.finish('SUCCEEDED')
        with task_manager.acquire(self.context, self.node.uuid,
                                  purpose='cleaning'):
            self.assertEqual(before, self.check())
        self.assertEqual([], self.agent.gets)
        self.assertEqual('cached', self.check()['status'])

    def test_writes_nothing_when_the_record_changed_meanwhile(self):
        self.record('caching')
        self.agent.finish('SUCCEEDED')
        newer = {'image_id': 'newer-image', 'status': 'caching',
                 'agent_started_at': base.STARTED_AT,
                 'agent_url': self.agent.url,
                 'since': '2026-01-02T00:00:00+00:00', 'command_id': 'x'}
        real_status = vendor.ipa.agent_status

        def status_then_recache(client, node):
            # Another conductor's cache_image lands while we ask the agent.
            self.set_internal(arsenal_cache=newer)
            return real_status(client, node)

        with mock.patch.object(vendor.ipa, 'agent_status', autospec=True,
                               side_effect=status_then_recache):
            self.assertEqual(newer, self.check())

    def test_never_claims_cached_for_a_node_deployed_meanwhile(self):
        self.record('caching')
        self.agent.finish('SUCCEEDED')
        real_status = vendor.ipa.agent_status

        def status_then_deploy(client, node):
            # Nova's deploy takes the node while we ask the agent.
            self.update_node(provision_state=states.DEPLOYING,
                             target_provision_state=states.ACTIVE)
            return real_status(client, node)

        with mock.patch.object(vendor.ipa, 'agent_status', autospec=True,
                               side_effect=status_then_deploy):
            after = self.check()
        self.assertEqual('lost', after['status'])
        self.assertEqual('boot_mode:uefi', self.capabilities())

    def test_ignores_nodes_of_other_vendor_interfaces(self):
        other = obj_utils.create_test_node(
            self.context, uuid='0b9e7d1c-1111-4222-8333-944455556666',
            driver='fake-hardware', vendor_interface='fake',
            provision_state=states.ACTIVE,
            driver_internal_info={'arsenal_cache': {
                'image_id': IMAGE, 'status': 'cached'}})
        self.check()
        other.refresh()
        self.assertEqual('cached',
                         other.driver_internal_info['arsenal_cache']['status'])

    def test_continues_after_a_conductor_restart(self):
        self.record('caching')
        self.wait_for_workers()
        self.agent.finish('SUCCEEDED')
        self.assertEqual('cached', self.check()['status'])

    def test_is_a_periodic_task_of_the_vendor_interface(self):
        from futurist import periodics
        self.assertTrue(periodics.is_periodic(
            vendor.ArsenalVendor()._check_caches))
