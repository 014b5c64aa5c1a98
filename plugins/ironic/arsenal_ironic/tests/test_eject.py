"""eject powers the node off (the agent's URL and token go) and clears the
record and the capability, on an available or a manageable node.
"""

from unittest import mock

from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.drivers.modules import fake

from arsenal_ironic.tests import base

IMAGE = base.image_info()['id']


class EjectTestCase(base.ArsenalTestCase):

    def eject(self):
        response = self.passthru('eject')
        self.assertTrue(response['async'])
        self.wait_for_workers()
        return self.reload()

    def test_powers_off_and_clears_the_record_and_capability(self):
        self.set_internal(arsenal_cache={
            'image_id': IMAGE, 'status': 'cached',
            'agent_started_at': base.STARTED_AT, 'agent_url': self.agent.url,
            'since': '2026-01-01T00:00:00+00:00'})
        self.update_node(properties={
            'cpu_arch': 'x86_64',
            'capabilities': 'boot_mode:uefi,arsenal_cached_image:' + IMAGE})

        node = self.eject()

        self.assertEqual(states.POWER_OFF, node.power_state)
        self.assertEqual(states.AVAILABLE, node.provision_state)
        for key in ('arsenal_cache', 'agent_url', 'agent_secret_token'):
            self.assertNotIn(key, node.driver_internal_info)
        self.assertEqual({'cpu_arch': 'x86_64',
                          'capabilities': 'boot_mode:uefi'}, node.properties)
        self.assertIsNone(node.reservation)
        self.assertIsNone(node.last_error)
        self.assertEqual([], self.agent.posts)

    def test_ejects_a_manageable_node_with_a_lost_record(self):
        # Arsenal's order: mark, manage (the periodic then makes the record
        # lost), eject, provide.
        self.set_internal(arsenal_cache={
            'image_id': IMAGE, 'status': 'lost',
            'agent_started_at': base.STARTED_AT, 'agent_url': self.agent.url,
            'since': '2026-01-01T00:00:00+00:00',
            'error': 'the node left available: it is manageable'})
        self.update_node(provision_state=states.MANAGEABLE)

        node = self.eject()

        self.assertEqual(states.MANAGEABLE, node.provision_state)
        self.assertEqual(states.POWER_OFF, node.power_state)
        for key in ('arsenal_cache', 'agent_url', 'agent_secret_token'):
            self.assertNotIn(key, node.driver_internal_info)
        self.assertIsNone(node.last_error)
        self.assertIsNone(node.reservation)

    def test_a_second_eject_succeeds_and_changes_nothing(self):
        self.update_node(provision_state=states.MANAGEABLE)
        self.eject()
        first = self.reload().as_dict()
        node = self.eject()
        self.assertEqual(states.POWER_OFF, node.power_state)
        self.assertIsNone(node.last_error)
        for field in ('driver_internal_info', 'properties', 'provision_state'):
            self.assertEqual(first[field], node.as_dict()[field], field)

    def test_holds_the_node_locked_from_the_record_to_the_power_off(self):
        # Arsenal provides once the record is gone: the lock makes that
        # provide (a 409 NodeLocked, which Arsenal waits out) come after the
        # power off, never before it.
        self.config(node_locked_retry_attempts=0, group='conductor')
        self.set_internal(arsenal_cache={
            'image_id': IMAGE, 'status': 'lost',
            'agent_started_at': base.STARTED_AT, 'agent_url': self.agent.url,
            'since': '2026-01-01T00:00:00+00:00'})
        self.update_node(provision_state=states.MANAGEABLE)
        seen = []
        power_off = fake.FakePower.set_power_state

        def observe(interface, task, state, timeout=None):
            node = self.reload()
            seen.append(('arsenal_cache' in node.driver_internal_info,
                         node.reservation is not None))
            try:
                with task_manager.acquire(self.context, node.uuid):
                    pass
            except exception.NodeLocked:
                seen.append('locked')
            return power_off(interface, task, state, timeout=timeout)

        with mock.patch.object(fake.FakePower, 'set_power_state',
                               autospec=True, side_effect=observe):
            node = self.eject()
        self.assertEqual([(False, True), 'locked'], seen)
        self.assertEqual(states.POWER_OFF, node.power_state)

    def test_powers_off_a_node_without_a_record(self):
        node = self.eject()
        self.assertEqual(states.POWER_OFF, node.power_state)
        self.assertNotIn('agent_url', node.driver_internal_info)
        self.assertEqual('boot_mode:uefi', node.properties['capabilities'])

    def test_never_leaves_a_cached_claim_when_the_power_off_fails(self):
        # Ironic wipes the agent's URL before it tries: the claim must go.
        record = {'image_id': IMAGE, 'status': 'cached',
                  'agent_started_at': base.STARTED_AT,
                  'agent_url': self.agent.url,
                  'since': '2026-01-01T00:00:00+00:00'}
        self.set_internal(arsenal_cache=record)
        self.update_node(properties={
            'capabilities': 'boot_mode:uefi,arsenal_cached_image:' + IMAGE})
        with mock.patch.object(fake.FakePower, 'set_power_state',
                               autospec=True,
                               side_effect=exception.PowerStateFailure(
                                   pstate=states.POWER_OFF)):
            node = self.eject()
        self.assertEqual(states.POWER_ON, node.power_state)
        self.assertNotIn('arsenal_cache', node.driver_internal_info)
        self.assertNotIn('arsenal_cached_image',
                         node.properties['capabilities'])
        self.assertIn('power off', node.last_error)
        self.assertIsNone(node.reservation)
