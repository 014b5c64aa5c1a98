"""arsenal-direct's write_image waits for a busy agent (an image it is
caching), bounded, then marks the record lost and writes the image once.
"""

from unittest import mock

import fixtures

from ironic.common import exception
from ironic.common import states
from ironic.conductor import deployments
from ironic.conductor import task_manager
from ironic.drivers.modules import agent

from arsenal_ironic import deploy
from arsenal_ironic.tests import base

IMAGE = base.image_info()['id']
OTHER = '0b6a3c1e-7d2f-4e8a-9c5b-1f2e3d4c5b6a'
WRITE_IMAGE = {'interface': 'deploy', 'step': 'write_image',
               'priority': 80, 'args': {}}


class DeployTestCase(base.ArsenalTestCase):

    def setUp(self):
        super(DeployTestCase, self).setUp()
        self.config(enabled_deploy_interfaces=['fake', 'direct',
                                               'arsenal-direct'])
        self.useFixture(fixtures.MonkeyPatch(
            'arsenal_ironic.deploy.POLL_INTERVAL', 0.01))
        info = dict(self.node.driver_internal_info,
                    is_whole_disk_image=True,
                    deploy_steps=[WRITE_IMAGE],
                    agent_cached_deploy_steps={'deploy': [
                        {'interface': 'deploy', 'step': 'write_image',
                         'priority': 0}]})
        self.update_node(
            deploy_interface='arsenal-direct',
            provision_state=states.DEPLOYING,
            target_provision_state=states.ACTIVE,
            instance_uuid='7a1f6c3e-2b4d-4e5f-8a9b-0c1d2e3f4a5b',
            instance_info={'image_source': IMAGE,
                           'image_url': 'http://images.example/' + IMAGE,
                           'image_disk_format': 'qcow2',
                           'image_container_format': 'bare',
                           'image_os_hash_algo': 'sha512',
                           'image_os_hash_value': 'ab' * 64},
            driver_internal_info=info)

    def caching(self, image=IMAGE, status='RUNNING', record='caching'):
        """The agent runs (or ran) cache_image's prepare_image."""
        command = self.agent.add_command('prepare_image', status)
        self.set_internal(arsenal_cache={
            'image_id': image, 'status': record,
            'agent_started_at': base.STARTED_AT, 'agent_url': self.agent.url,
            'since': '2026-01-01T00:00:00+00:00',
            'command_id': command['id']})
        if record == 'cached':
            self.update_node(properties={
                'capabilities': 'boot_mode:uefi,arsenal_cached_image:'
                + image})
        return command

    def write_image(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            return task.driver.deploy.write_image(task)

    def assert_wrote_once(self, image=IMAGE):
        self.assertEqual(1, len(self.agent.posts), self.agent.posts)
        body = self.agent.posts[0]['body']
        self.assertEqual('deploy.execute_deploy_step', body['name'])
        step = body['params']['step']
        self.assertEqual('write_image', step['step'])
        self.assertEqual(image, step['args']['image_info']['id'])

    def test_the_node_gets_the_interface_by_entry_point(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertIsInstance(task.driver.deploy,
                                  deploy.ArsenalDirectDeploy)
            self.assertEqual([80], [
                s['priority'] for s in task.driver.deploy.deploy_steps
                if s['step'] == 'write_image'])

    def test_upstream_direct_meets_the_busy_agent(self):
        # What this interface is for: direct sends at once, gets the 409.
        self.caching()
        self.update_node(deploy_interface='direct')
        self.assertRaises(exception.AgentInProgress, self.write_image)

    def test_waits_for_the_caching_command_then_writes_once(self):
        self.caching()
        self.agent.finish_after_reads = 3

        self.assertEqual(states.DEPLOYWAIT, self.write_image())

        self.assertEqual(3, self.agent.command_reads())
        self.assert_wrote_once()
        self.assertEqual('SUCCEEDED', self.agent.commands[0]['command_status'])

    def test_the_record_of_the_image_it_waited_for_becomes_lost(self):
        self.caching()
        self.agent.finish_after_reads = 2
        self.write_image()
        record = self.reload().driver_internal_info['arsenal_cache']
        self.assertEqual('lost', record['status'])
        self.assertIn('a deploy took the node', record['error'])
        self.assertIn(IMAGE, record['error'])

    def test_a_cached_record_is_lost_and_its_capability_gone(self):
        self.caching(image=OTHER, status='SUCCEEDED', record='cached')
        self.write_image()
        node = self.reload()
        self.assertEqual('lost', node.driver_internal_info[
            'arsenal_cache']['status'])
        self.assertEqual('boot_mode:uefi', node.properties['capabilities'])
        self.assert_wrote_once()

    def test_a_finished_caching_command_does_not_delay(self):
        self.caching(status='SUCCEEDED')
        self.assertEqual(states.DEPLOYWAIT, self.write_image())
        self.assertEqual(1, self.agent.command_reads())
        self.assert_wrote_once()

    def test_a_failed_caching_command_does_not_delay(self):
        self.caching(status='FAILED', record='failed')
        self.assertEqual(states.DEPLOYWAIT, self.write_image())
        self.assertEqual(1, self.agent.command_reads())
        self.assert_wrote_once()
        self.assertEqual('failed', self.reload().driver_internal_info[
            'arsenal_cache']['status'])

    def test_without_a_record_it_writes_as_direct_does(self):
        self.assertEqual(states.DEPLOYWAIT, self.write_image())
        self.assert_wrote_once()
        self.assertNotIn('arsenal_cache',
                         self.reload().driver_internal_info)

    def test_loads_the_deploy_steps_the_busy_agent_could_not_give(self):
        # Else the heartbeat after write_image loads them, get_deploy_steps
        # becomes the agent's last command, and Ironic waits for ever.
        self.set_internal(agent_cached_deploy_steps=None)
        self.caching()
        self.agent.finish_after_reads = 2
        self.write_image()
        self.assertEqual(['deploy.get_deploy_steps',
                          'deploy.execute_deploy_step'],
                         [p['body']['name'] for p in self.agent.posts])
        self.assertEqual('execute_deploy_step',
                         self.agent.commands[-1]['command_name'])
        self.assertIn('deploy', self.reload().driver_internal_info[
            'agent_cached_deploy_steps'])

    def test_a_wait_that_runs_out_fails_the_step_with_the_reason(self):
        self.config(deploy_wait_for_agent=1, group='arsenal')
        command = self.caching()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.node.deploy_step = WRITE_IMAGE
            deployments.do_next_deploy_step(task, 0)
        node = self.reload()
        self.assertEqual(states.DEPLOYFAIL, node.provision_state)
        self.assertIn('its agent is still running prepare_image (command %s)'
                      ' after 1 s ([arsenal] deploy_wait_for_agent)'
                      % command['id'], node.last_error)
        self.assertEqual([], self.agent.posts)
        self.assertGreater(self.agent.command_reads(), 1)

    def test_zero_fails_a_busy_agent_at_once(self):
        self.config(deploy_wait_for_agent=0, group='arsenal')
        self.caching()
        error = self.assertRaises(exception.InstanceDeployFailure,
                                  self.write_image)
        self.assertIn('deploy_wait_for_agent', str(error))
        self.assertEqual(1, self.agent.command_reads())
        self.assertEqual([], self.agent.posts)

    def test_an_unreadable_command_list_leaves_it_to_upstream(self):
        with mock.patch.object(agent.agent_client.AgentClient,
                               'get_commands_status', autospec=True,
                               side_effect=exception.AgentConnectionFailed(
                                   reason='refused')):
            self.assertEqual(states.DEPLOYWAIT, self.write_image())
        self.assert_wrote_once()

    def test_an_agent_fault_on_the_command_list_leaves_it_to_upstream(self):
        # AgentClient reads ['commands'] of any answer: a 500 is a KeyError,
        # not an IronicException, and must not fail the step as unexpected.
        self.agent.commands_fault = (500, {'faultstring': 'Internal error'})
        self.assertEqual(states.DEPLOYWAIT, self.write_image())
        self.assert_wrote_once()
