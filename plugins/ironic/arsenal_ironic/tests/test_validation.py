"""cache_image and eject refuse, with the reason and nothing changed."""

import oslo_messaging as messaging

from ironic.common import exception
from ironic.common import states
from ironic.tests.unit.objects import utils as obj_utils

from arsenal_ironic.tests import base

image_info = base.image_info


class ValidationTestCase(base.ArsenalTestCase):

    def assertRefused(self, reason, method='cache_image', **info):
        """The call fails with a 400 naming the reason; nothing changed."""
        before = self.reload().as_dict()
        exc = self.assertRaises(messaging.rpc.ExpectedException,
                                self.passthru, method, **info)
        error = exc.exc_info[1]
        self.assertIsInstance(error, exception.InvalidParameterValue)
        self.assertEqual(400, error.code)
        self.assertIn(reason, str(error))
        self.assertEqual([], self.agent.posts)
        after = self.reload().as_dict()
        for field in ('driver_internal_info', 'properties', 'power_state',
                      'provision_state', 'reservation', 'last_error'):
            self.assertEqual(before[field], after[field], field)
        return str(error)


class NodeValidationTestCase(ValidationTestCase):

    def test_refuses_a_node_that_is_not_available(self):
        self.update_node(provision_state=states.MANAGEABLE)
        message = self.assertRefused('it is manageable, not available',
                                     image_info=image_info())
        self.assertIn(self.node.uuid, message)

    def test_refuses_a_node_in_maintenance(self):
        self.update_node(maintenance=True, maintenance_reason='disk swap')
        self.assertRefused('it is in maintenance', image_info=image_info())

    def test_refuses_a_node_with_an_instance(self):
        self.update_node(instance_uuid='8a3b2c1d-0000-4000-8000-000000000001')
        self.assertRefused('it has instance 8a3b2c1d', image_info=image_info())

    def test_refuses_a_node_with_an_allocation(self):
        allocation = obj_utils.create_test_allocation(
            self.context, node_id=self.node.id)
        self.update_node(allocation_id=allocation.id)
        self.assertRefused('it has an allocation', image_info=image_info())

    def test_refuses_when_fast_track_is_off(self):
        self.config(fast_track=False, group='deploy')
        self.assertRefused('fast track is disabled', image_info=image_info())

    def test_refuses_a_node_with_a_last_error(self):
        self.update_node(last_error='Failed to power on')
        self.assertRefused('it has an error: Failed to power on',
                           image_info=image_info())

    def test_refuses_a_powered_off_node(self):
        self.update_node(power_state=states.POWER_OFF)
        self.assertRefused('its power state is power off, not power on',
                           image_info=image_info())

    def test_refuses_a_node_without_an_agent_url(self):
        self.set_internal(agent_url=None)
        self.assertRefused('no agent is running on it (no agent_url)',
                           image_info=image_info())

    def test_refuses_a_node_whose_heartbeat_is_stale(self):
        self.config(fast_track_timeout=300, group='deploy')
        self.set_internal(agent_last_heartbeat=base.heartbeat(301))
        self.assertRefused('its agent last heartbeat at',
                           image_info=image_info())

    def test_refuses_while_caching_another_image(self):
        self.set_internal(arsenal_cache={
            'image_id': 'other-image', 'status': 'caching',
            'agent_started_at': base.STARTED_AT, 'agent_url': self.agent.url,
            'since': '2026-01-01T00:00:00+00:00'})
        self.assertRefused('it is still caching image other-image',
                           image_info=image_info())

    def test_eject_refuses_a_node_neither_available_nor_manageable(self):
        for state in (states.ACTIVE, states.CLEANING, states.DEPLOYWAIT,
                      states.ENROLL):
            self.update_node(provision_state=state)
            message = self.assertRefused(
                'it is %s, not available or manageable' % state,
                method='eject')
            self.assertIn('Cannot eject on node %s' % self.node.uuid,
                          message)

    def test_eject_refuses_a_node_in_maintenance(self):
        self.update_node(maintenance=True)
        self.assertRefused('it is in maintenance', method='eject')

    def test_eject_refuses_a_manageable_node_in_maintenance(self):
        self.update_node(provision_state=states.MANAGEABLE, maintenance=True,
                         maintenance_reason='disk swap')
        self.assertRefused('it is in maintenance (disk swap)', method='eject')

    def test_eject_refuses_a_manageable_node_with_an_allocation(self):
        allocation = obj_utils.create_test_allocation(
            self.context, node_id=self.node.id)
        self.update_node(provision_state=states.MANAGEABLE,
                         allocation_id=allocation.id)
        self.assertRefused('it has an allocation', method='eject')

    def test_eject_refuses_a_node_with_an_instance(self):
        self.update_node(instance_uuid='8a3b2c1d-0000-4000-8000-000000000001')
        self.assertRefused('it has instance', method='eject')

    def test_refuses_unexpected_parameters(self):
        self.assertRefused('unexpected parameter(s) force',
                           image_info=image_info(), force=True)
        self.assertRefused('unexpected parameter(s) now', method='eject',
                           now=True)

    def test_accepts_a_valid_request(self):
        response = self.passthru('cache_image', image_info=image_info())
        self.assertTrue(response['async'])


class ImageInfoValidationTestCase(ValidationTestCase):

    def test_refuses_a_missing_image_info(self):
        self.assertRefused('needs image_info')

    def test_refuses_an_image_info_that_is_not_an_object(self):
        self.assertRefused('image_info must be an object',
                           image_info=['id'])

    def test_refuses_a_missing_or_empty_id(self):
        self.assertRefused('image_info.id must be a non-empty string',
                           image_info=image_info(id=None))
        self.assertRefused('image_info.id must be a non-empty string',
                           image_info=image_info(id=''))

    def test_refuses_an_id_that_cannot_be_a_capability(self):
        self.assertRefused("image_info.id must not contain ',', ':'",
                           image_info=image_info(id='a:b'))

    def test_refuses_missing_or_bad_urls(self):
        reason = 'image_info.urls must be a non-empty list of URLs'
        self.assertRefused(reason, image_info=image_info(urls=None))
        self.assertRefused(reason, image_info=image_info(urls=[]))
        self.assertRefused(reason, image_info=image_info(urls='http://x/i'))
        self.assertRefused(reason, image_info=image_info(urls=['']))

    def test_refuses_an_image_without_a_checksum(self):
        self.assertRefused(
            'image_info needs os_hash_algo and os_hash_value, or checksum',
            image_info=image_info(checksum=None, os_hash_algo=None,
                                  os_hash_value=None))

    def test_refuses_half_a_hash(self):
        self.assertRefused(
            'image_info.os_hash_algo and os_hash_value go together',
            image_info=image_info(os_hash_value=None))

    def test_refuses_an_unknown_hash_algorithm(self):
        self.assertRefused("image_info.os_hash_algo 'crc32' is not",
                           image_info=image_info(os_hash_algo='crc32'))

    def test_refuses_a_missing_disk_format(self):
        self.assertRefused('image_info.disk_format must be a non-empty',
                           image_info=image_info(disk_format=None))

    def test_refuses_kernel_ramdisk_and_iso_formats(self):
        for disk_format in ('aki', 'ari', 'ami', 'iso'):
            self.assertRefused(
                'disk_format %s cannot be written to a disk' % disk_format,
                image_info=image_info(disk_format=disk_format))

    def test_refuses_partition_images(self):
        reason = 'only whole-disk images can be cached'
        self.assertRefused(reason, image_info=image_info(
            image_type='partition'))
        self.assertRefused(reason, image_info=image_info(
            kernel='http://images.example/vmlinuz'))
        self.assertRefused(reason, image_info=image_info(
            ramdisk='http://images.example/initrd'))

    def test_refuses_a_configdrive(self):
        self.assertRefused('a configdrive', image_info=image_info(
            configdrive='H4sIAAAA'))

    def test_accepts_a_checksum_alone_or_a_hash_alone(self):
        self.passthru('cache_image', image_info=image_info(
            os_hash_algo=None, os_hash_value=None))
        self.wait_for_workers()
        self.agent.finish()
        self.set_internal(arsenal_cache=None)
        self.passthru('cache_image', image_info=image_info(checksum=None))
        self.wait_for_workers()
        self.assertEqual(2, len(self.agent.posts))

    def test_accepts_image_type_whole_disk(self):
        response = self.passthru('cache_image', image_info=image_info(
            image_type='whole-disk'))
        self.assertTrue(response['async'])
