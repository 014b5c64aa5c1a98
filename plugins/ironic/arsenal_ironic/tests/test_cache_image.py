"""cache_image sends standby.prepare_image once and records it;
cache_status answers the record.
"""

import datetime
import logging

import fixtures
import oslo_messaging as messaging

from ironic.common import exception
from ironic.conductor import task_manager
from ironic.drivers.modules import agent_client

from arsenal_ironic.tests import base

IMAGE = base.image_info()['id']


class CacheImageTestCase(base.ArsenalTestCase):

    def cache(self, **changes):
        response = self.passthru('cache_image',
                                 image_info=base.image_info(**changes))
        self.assertTrue(response['async'])
        self.wait_for_workers()
        return self.reload().driver_internal_info.get('arsenal_cache')

    def test_sends_prepare_image_without_waiting_and_records_caching(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        record = self.cache()

        self.assertEqual(1, len(self.agent.posts))
        post = self.agent.posts[0]
        self.assertEqual({'wait': 'false', 'agent_token': base.TOKEN},
                         post['query'])
        self.assertEqual('standby.prepare_image', post['body']['name'])
        sent = post['body']['params']['image_info']
        self.assertEqual(IMAGE, sent['id'])
        self.assertIs(False, sent['stream_raw_images'])
        self.assertEqual(base.image_info()['urls'], sent['urls'])
        self.assertEqual('sha512', sent['os_hash_algo'])
        self.assertEqual('ab' * 64, sent['os_hash_value'])
        self.assertEqual('cd' * 16, sent['checksum'])
        self.assertEqual('qcow2', sent['disk_format'])
        self.assertEqual(self.node.uuid, sent['node_uuid'])

        self.assertEqual('caching', record['status'])
        self.assertEqual(IMAGE, record['image_id'])
        self.assertEqual(base.STARTED_AT, record['agent_started_at'])
        self.assertEqual(self.agent.url, record['agent_url'])
        self.assertEqual(self.agent.commands[0]['id'], record['command_id'])
        since = datetime.datetime.fromisoformat(record['since'])
        self.assertLessEqual(before - datetime.timedelta(seconds=1), since)
        self.assertNotIn('error', record)

        node = self.reload()
        self.assertIsNone(node.reservation)
        self.assertEqual('boot_mode:uefi', node.properties['capabilities'])

    def test_forwards_the_nodes_image_proxies(self):
        self.update_node(driver_info={'image_https_proxy': 'http://proxy:3128',
                                      'image_no_proxy': '.example'})
        self.cache()
        sent = self.agent.posts[0]['body']['params']['image_info']
        self.assertEqual({'https': 'http://proxy:3128'}, sent['proxies'])
        self.assertEqual('.example', sent['no_proxy'])

    def test_records_failed_when_the_agent_is_busy(self):
        self.agent.add_command('execute_clean_step')
        record = self.cache()
        self.assertEqual('failed', record['status'])
        self.assertIn('Agent is busy', record['error'])
        self.assertEqual(1, len(self.agent.posts))

    def test_records_failed_without_the_token_when_the_agent_refuses_it(self):
        self.agent.token = 'a-new-token'
        record = self.cache()
        self.assertEqual('failed', record['status'])
        self.assertIn('Token invalid', record['error'])
        self.assertNotIn(base.TOKEN, record['error'])

    def test_records_failed_when_the_agent_is_unreachable(self):
        self.agent.stop()
        record = self.cache()
        self.assertEqual('failed', record['status'])
        self.assertIn('Cannot read the agent', record['error'])

    def test_never_puts_the_token_in_the_record_when_the_agent_vanishes(self):
        # A refused POST's error names the URL, and the token is in its query.
        self.agent.vanish_after_status = True
        record = self.cache()
        self.assertEqual('failed', record['status'])
        self.assertNotIn(base.TOKEN, record['error'])
        self.assertNotIn(base.TOKEN, str(self.reload().properties))

    def test_never_logs_the_token_when_the_agent_vanishes(self):
        # Ironic's AgentClient logs a failed POST's error, which names the
        # URL with the token in its query string.
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        # The test run's logging setup disables loggers created before it.
        self.useFixture(fixtures.MockPatchObject(
            logging.getLogger(agent_client.__name__), 'disabled', False))
        self.agent.vanish_after_status = True
        self.assertEqual('failed', self.cache()['status'])
        # AgentClient's own line, and the plugin's with the record's error.
        self.assertGreaterEqual(logs.output.count(
            'for invoking command standby.prepare_image'), 2)
        self.assertNotIn(base.TOKEN, logs.output)

    def test_does_nothing_when_the_image_is_cached_by_the_same_agent(self):
        cached = {'image_id': IMAGE, 'status': 'cached',
                  'agent_started_at': base.STARTED_AT,
                  'agent_url': self.agent.url,
                  'since': '2026-01-01T00:00:00+00:00'}
        self.set_internal(arsenal_cache=cached)
        self.assertEqual(cached, self.cache())
        self.assertEqual([], self.agent.posts)

    def test_sends_again_when_the_agent_restarted_since_it_cached(self):
        self.set_internal(arsenal_cache={
            'image_id': IMAGE, 'status': 'cached',
            'agent_started_at': base.STARTED_AT - 600,
            'agent_url': self.agent.url,
            'since': '2026-01-01T00:00:00+00:00'})
        record = self.cache()
        self.assertEqual(1, len(self.agent.posts))
        self.assertEqual('caching', record['status'])

    def test_caching_another_image_drops_the_old_capability(self):
        self.set_internal(arsenal_cache={
            'image_id': 'old-image', 'status': 'cached',
            'agent_started_at': base.STARTED_AT, 'agent_url': self.agent.url,
            'since': '2026-01-01T00:00:00+00:00'})
        self.update_node(properties={
            'capabilities': 'boot_mode:uefi,arsenal_cached_image:old-image'})
        record = self.cache()
        self.assertEqual(IMAGE, record['image_id'])
        self.assertEqual('caching', record['status'])
        self.assertEqual('boot_mode:uefi',
                         self.reload().properties['capabilities'])

    def test_a_hit_on_the_agent_is_cached_at_once(self):
        self.agent.complete_posts = True
        self.cache()
        node = self.reload()
        self.assertEqual('cached',
                         node.driver_internal_info['arsenal_cache']['status'])
        self.assertEqual('boot_mode:uefi,arsenal_cached_image:' + IMAGE,
                         node.properties['capabilities'])


class CacheStatusTestCase(base.ArsenalTestCase):

    def test_answers_none_without_a_record(self):
        response = self.passthru('cache_status', 'GET')
        self.assertFalse(response['async'])
        self.assertEqual({'status': 'none'}, response['return'])

    def test_answers_the_record(self):
        record = {'image_id': IMAGE, 'status': 'failed',
                  'agent_started_at': base.STARTED_AT,
                  'agent_url': self.agent.url,
                  'since': '2026-01-01T00:00:00+00:00',
                  'error': 'Image checksum mismatch'}
        self.set_internal(arsenal_cache=record)
        response = self.passthru('cache_status', 'GET')
        self.assertEqual(record, response['return'])

    def test_answers_while_another_task_holds_the_lock(self):
        self.passthru('cache_status', 'GET')
        with task_manager.acquire(self.context, self.node.uuid,
                                  purpose='deploying'):
            response = self.passthru('cache_status', 'GET')
        self.assertEqual({'status': 'none'}, response['return'])

    def test_is_read_only(self):
        exc = self.assertRaises(messaging.rpc.ExpectedException,
                                self.passthru, 'cache_status', 'POST')
        self.assertIsInstance(exc.exc_info[1], exception.InvalidParameterValue)
