"""Tests for the Nova weigher, on Nova's real scheduler objects.

A host is built the way Nova builds it for an Ironic node: the Ironic virt
driver turns ``properties.capabilities`` into stats, the resource tracker
copies them onto a ``ComputeNode`` (whose stats field makes every value a
string) and the scheduler's ``HostState`` reads that compute node.
"""

import types
import uuid

from nova.compute import stats as compute_stats
import nova.conf
from nova import objects
from nova.scheduler import host_manager
from nova.scheduler import weights
from nova.virt.ironic import driver as ironic_driver
from oslo_config import fixture as config_fixture
from oslotest import base

from arsenal_ironic import nova as arsenal_nova

objects.register_all()

IMAGE = 'c6a6b4b4-2a0c-4b39-9b7e-1f4bf3c1b6a1'
OTHER_IMAGE = '0d4b1e8e-6a41-4c0b-8e4f-3a2f5d1c9b77'
CELL = '8f3a1c52-0b8e-4f7e-9a61-2d5c7b1e4f90'
CLASS_PATH = 'arsenal_ironic.nova.CachedImageWeigher'


_NAMES = {}


def _node_uuid(name):
    """A stable node UUID for a test's short node name."""
    node_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, 'arsenal-test:' + name))
    _NAMES[node_uuid] = name
    return node_uuid


def _ironic_host(name, capabilities, compute_host='ironic-compute'):
    """A scheduler HostState for an Ironic node with these capabilities."""
    node_uuid = _node_uuid(name)
    node = types.SimpleNamespace(
        uuid=node_uuid, resource_class='baremetal',
        properties={'cpu_arch': 'x86_64', 'capabilities': capabilities})
    # The driver's __init__ connects to Ironic; _node_resource only reads
    # the node it is given.
    virt_driver = object.__new__(ironic_driver.IronicDriver)
    resources = virt_driver._node_resource(node)
    # As the resource tracker's _copy_resources does.
    stats = compute_stats.Stats()
    stats['failed_builds'] = 0
    stats.digest_stats(resources['stats'])
    compute = objects.ComputeNode(
        host=compute_host, host_ip='192.0.2.10', free_ram_mb=0, free_disk_gb=0,
        pci_device_pools=None, metrics=None, stats=stats,
        cpu_allocation_ratio=1.0, ram_allocation_ratio=1.0,
        disk_allocation_ratio=1.0, updated_at=None)
    compute.update_from_virt_driver(resources)
    host = host_manager.HostState(compute_host, node_uuid, CELL)
    host.update(compute=compute)
    return host


def _request(image=None, **fields):
    """A RequestSpec whose image is ImageMeta built from ``image``."""
    if image is not None:
        fields['image'] = objects.ImageMeta.from_dict(image)
    return objects.RequestSpec(**fields)


class CachedImageWeigherTestCase(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.config = self.useFixture(config_fixture.Config(nova.conf.CONF))
        self.handler = weights.HostWeightHandler()
        self.weighers = self.handler.get_matching_classes([CLASS_PATH])
        self.hosts = [
            _ironic_host('node-a', 'boot_mode:uefi'),
            _ironic_host('node-b', 'boot_mode:uefi,arsenal_cached_image:'
                         + IMAGE),
            _ironic_host('node-c', 'arsenal_cached_image:' + OTHER_IMAGE),
            _ironic_host('node-d', ''),
        ]

    def _weigh(self, spec_obj, hosts=None):
        weighers = [cls() for cls in self.weighers]
        weighed = self.handler.get_weighed_objects(
            weighers, hosts or self.hosts, spec_obj)
        return {_NAMES[w.obj.nodename]: w.weight for w in weighed}

    def test_loads_by_its_class_path(self):
        self.assertEqual([arsenal_nova.CachedImageWeigher], self.weighers)
        self.assertTrue(issubclass(self.weighers[0],
                                   weights.BaseHostWeigher))

    def test_loads_beside_nova_weighers_as_the_readme_configures(self):
        # [filter_scheduler] weight_classes, as the README writes it.
        classes = self.handler.get_matching_classes(
            ['nova.scheduler.weights.all_weighers', CLASS_PATH])
        self.assertIn(arsenal_nova.CachedImageWeigher, classes)
        self.assertEqual(len(weights.all_weighers()) + 1, len(classes))

    def test_ironic_driver_puts_capability_in_host_stats(self):
        self.assertEqual(IMAGE, self.hosts[1].stats['arsenal_cached_image'])

    def test_host_caching_requested_image_wins_and_others_tie(self):
        weights_by_node = self._weigh(_request({'id': IMAGE}))
        self.assertEqual({'node-a': 0.0, 'node-b': 1.0, 'node-c': 0.0,
                          'node-d': 0.0}, weights_by_node)

    def test_handler_ranks_cached_host_first(self):
        weighed = self.handler.get_weighed_objects(
            [self.weighers[0]()], self.hosts, _request({'id': IMAGE}))
        self.assertEqual('node-b', _NAMES[weighed[0].obj.nodename])

    def test_different_cached_image_does_not_win(self):
        hosts = [self.hosts[0], self.hosts[2], self.hosts[3]]
        weights_by_node = self._weigh(_request({'id': IMAGE}), hosts)
        self.assertEqual({'node-a': 0.0, 'node-c': 0.0, 'node-d': 0.0},
                         weights_by_node)

    def test_other_image_favours_its_own_cached_host(self):
        weights_by_node = self._weigh(_request({'id': OTHER_IMAGE}))
        self.assertEqual(1.0, weights_by_node['node-c'])
        self.assertEqual(0.0, weights_by_node['node-b'])

    def test_request_without_image_id_ties_all_hosts(self):
        # A volume-backed boot from an existing volume: Nova's image meta
        # comes from the volume's image metadata and has no id.
        weights_by_node = self._weigh(_request({'properties': {}}))
        self.assertEqual({0.0}, set(weights_by_node.values()))

    def test_request_without_image_ties_all_hosts(self):
        self.assertEqual({0.0}, set(self._weigh(_request()).values()))

    def test_volume_backed_request_ties_even_with_image_id(self):
        # A boot from a volume Nova creates from an image carries that
        # Glance image, id included, yet nothing is written to local disk.
        weights_by_node = self._weigh(_request({'id': IMAGE}, is_bfv=True))
        self.assertEqual({0.0}, set(weights_by_node.values()))

    def test_image_backed_request_with_is_bfv_false_still_weighs(self):
        weights_by_node = self._weigh(_request({'id': IMAGE}, is_bfv=False))
        self.assertEqual(1.0, weights_by_node['node-b'])

    def test_multiplier_zero_turns_it_off(self):
        self.config.config(arsenal_cached_image_weight_multiplier=0.0,
                           group='filter_scheduler')
        weights_by_node = self._weigh(_request({'id': IMAGE}))
        self.assertEqual({0.0}, set(weights_by_node.values()))

    def test_multiplier_scales_the_cached_host(self):
        self.config.config(arsenal_cached_image_weight_multiplier=5.0,
                           group='filter_scheduler')
        weights_by_node = self._weigh(_request({'id': IMAGE}))
        self.assertEqual(5.0, weights_by_node['node-b'])
        self.assertEqual(0.0, weights_by_node['node-a'])

    def test_default_multiplier_is_one(self):
        self.assertEqual(
            1.0,
            nova.conf.CONF.filter_scheduler
            .arsenal_cached_image_weight_multiplier)

    def test_aggregate_metadata_overrides_multiplier(self):
        aggregate = objects.Aggregate(
            id=1, name='no-cache-preference', hosts=['ironic-compute'],
            metadata={'arsenal_cached_image_weight_multiplier': '0'})
        for host in self.hosts:
            host.aggregates = [aggregate]
        weights_by_node = self._weigh(_request({'id': IMAGE}))
        self.assertEqual({0.0}, set(weights_by_node.values()))

    def test_host_not_yet_reported_by_compute_ties(self):
        fresh = host_manager.HostState('ironic-compute',
                                       _node_uuid('node-new'), CELL)
        weights_by_node = self._weigh(_request({'id': IMAGE}),
                                      [fresh, self.hosts[0]])
        self.assertEqual({'node-new': 0.0, 'node-a': 0.0}, weights_by_node)

    def test_all_hosts_caching_the_image_tie(self):
        hosts = [_ironic_host('node-%d' % i, 'arsenal_cached_image:' + IMAGE)
                 for i in range(3)]
        weights_by_node = self._weigh(_request({'id': IMAGE}), hosts)
        self.assertEqual(1, len(set(weights_by_node.values())))

    def test_list_opts_names_the_multiplier_in_filter_scheduler(self):
        [(group, opts)] = arsenal_nova.list_opts()
        self.assertEqual('filter_scheduler', group)
        self.assertEqual(['arsenal_cached_image_weight_multiplier'],
                         [opt.name for opt in opts])
