"""Test-only Ironic plugin for Arsenal's integration suite (tests/integration/).

Loaded by harness/openstack.py, which puts this folder on Ironic's PYTHONPATH so that
stevedore finds the entry points in arsenal_fake_ironic-0.1.dist-info.

Real Ironic has no `cache_image` vendor method (it came from Rackspace's
agent-driver fork that the original Arsenal targeted).  This plugin adds:

* vendor interface `arsenal-cache` with
    POST /v1/nodes/{node}/vendor_passthru?method=cache_image
    body {"image_info": {"id": ..., "urls": [...], "checksum": ...}}
  -> 202; driver_info.cache_image_id=<id>, cache_status="caching";
     after [arsenal_fake]cache_delay seconds (node lock released meanwhile):
     cache_status="cached" (or "failed" if any url contains "fail").
  Missing/invalid image_info -> 400 (MissingParameterValue / InvalidParameterValue).
  Only allowed while the node is `available` and not in maintenance -> else 400.
* management interface `arsenal-fake` = fake + an automated clean step
  `erase_image_cache` (priority 5) that removes every driver_info key starting
  with "cache_" -- i.e. cleaning (EjectNode: manage + provide) wipes the cache,
  and a cache_image still "caching" when the node is cleaned never turns "cached".
* hardware type `arsenal-fake-hardware` = fake-hardware + those two
  interfaces (its defaults).

Nothing here talks to a network; it only edits the node record.
"""
import eventlet
from oslo_config import cfg
from oslo_log import log

from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.drivers import base
from ironic.drivers import fake_hardware
from ironic.drivers.modules import fake

LOG = log.getLogger(__name__)
CONF = cfg.CONF
CONF.register_opts([cfg.FloatOpt('cache_delay', default=2.0,
                                 help='Seconds between caching and cached.')],
                   group='arsenal_fake')


def _finish(context, node_uuid, image_id, status):
    for _ in range(60):
        try:
            with task_manager.acquire(context, node_uuid, shared=False,
                                      purpose='arsenal fake cache done') as task:
                node = task.node
                info = dict(node.driver_info)
                if (info.get('cache_image_id') != image_id
                        or info.get('cache_status') != 'caching'):
                    return  # superseded (re-cached, ejected, edited)
                info['cache_status'] = status
                node.driver_info = info
                node.save()
                LOG.info('arsenal-fake: node %s image %s -> %s',
                         node_uuid, image_id, status)
                return
        except exception.NodeLocked:
            eventlet.sleep(1)
        except exception.NodeNotFound:
            return


class CacheImageVendor(base.VendorInterface):
    def get_properties(self):
        return {}

    def validate(self, task, method, **kwargs):
        if method != 'cache_image':
            return
        info = kwargs.get('image_info')
        if not isinstance(info, dict):
            raise exception.MissingParameterValue(
                "Parameter 'image_info' not passed to method 'cache_image'.")
        for key in ('id', 'urls', 'checksum'):
            if not info.get(key):
                raise exception.InvalidParameterValue(
                    "image_info.%s is required" % key)
        if not isinstance(info['urls'], list):
            raise exception.InvalidParameterValue("image_info.urls must be a list")
        node = task.node
        if node.provision_state != states.AVAILABLE or node.maintenance:
            raise exception.InvalidStateRequested(
                action='cache_image', node=node.uuid,
                state=node.provision_state + (' (maintenance)' if node.maintenance else ''))

    @base.passthru(['POST'], async_call=True,
                   description='Cache an image on the node (arsenal test fake)')
    def cache_image(self, task, http_method, image_info):
        node = task.node
        info = dict(node.driver_info)
        info['cache_image_id'] = image_info['id']
        info['cache_status'] = 'caching'
        info['cache_image_checksum'] = image_info['checksum']
        info['cache_image_urls'] = image_info['urls']
        node.driver_info = info
        node.save()
        status = 'failed' if any('fail' in u for u in image_info['urls']) else 'cached'
        eventlet.spawn_after(CONF.arsenal_fake.cache_delay, _finish,
                             task.context, node.uuid, image_info['id'], status)


class ArsenalFakeManagement(fake.FakeManagement):
    @base.clean_step(priority=5)
    def erase_image_cache(self, task):
        node = task.node
        info = dict(node.driver_info)
        keys = [k for k in info if k.startswith('cache_')]
        if keys:
            for k in keys:
                del info[k]
            node.driver_info = info
            node.save()
            LOG.info('arsenal-fake: node %s image cache erased by cleaning',
                     node.uuid)


class ArsenalFakeHardware(fake_hardware.FakeHardware):
    @property
    def supported_vendor_interfaces(self):
        return [CacheImageVendor] + super().supported_vendor_interfaces

    @property
    def supported_management_interfaces(self):
        return [ArsenalFakeManagement] + super().supported_management_interfaces
