"""The hardware types add the arsenal vendor interface to upstream ones, and
Ironic's driver factory finds them through their entry points.
"""

from ironic.common import driver_factory
from ironic.common import exception
from ironic.drivers import ipmi
from ironic.drivers import redfish
from ironic.drivers.modules import agent
from ironic.drivers.modules import ipmitool
from ironic.drivers.modules import noop
from ironic.drivers.modules.redfish import vendor as redfish_vendor
from ironic.tests.unit.db import base as db_base
from ironic.tests.unit.objects import utils as obj_utils

from arsenal_ironic import deploy
from arsenal_ironic import hardware
from arsenal_ironic import vendor


class HardwareTypesTestCase(db_base.DbTestCase):

    def setUp(self):
        super(HardwareTypesTestCase, self).setUp()
        self.config(enabled_hardware_types=['fake-hardware', 'arsenal-ipmi',
                                            'arsenal-redfish'],
                    enabled_power_interfaces=['fake', 'ipmitool', 'redfish'],
                    enabled_management_interfaces=['fake', 'ipmitool',
                                                   'redfish'],
                    enabled_vendor_interfaces=['arsenal', 'ipmitool',
                                               'redfish', 'no-vendor',
                                               'fake'],
                    enabled_deploy_interfaces=['arsenal-direct', 'direct',
                                               'fake'])

    def test_arsenal_ipmi_is_ipmi_plus_the_arsenal_vendor_interface(self):
        hw_type = hardware.ArsenalIPMIHardware()
        self.assertIsInstance(hw_type, ipmi.IPMIHardware)
        self.assertEqual([vendor.ArsenalVendor, ipmitool.VendorPassthru,
                          noop.NoVendor], hw_type.supported_vendor_interfaces)

    def test_arsenal_redfish_is_redfish_plus_the_arsenal_vendor_iface(self):
        hw_type = hardware.ArsenalRedfishHardware()
        self.assertIsInstance(hw_type, redfish.RedfishHardware)
        self.assertEqual([vendor.ArsenalVendor,
                          redfish_vendor.RedfishVendorPassthru,
                          noop.NoVendor], hw_type.supported_vendor_interfaces)

    def test_the_driver_factory_loads_them_by_entry_point(self):
        self.assertIsInstance(driver_factory.get_hardware_type('arsenal-ipmi'),
                              hardware.ArsenalIPMIHardware)
        self.assertIsInstance(
            driver_factory.get_hardware_type('arsenal-redfish'),
            hardware.ArsenalRedfishHardware)
        self.assertIsInstance(
            driver_factory.get_interface(
                driver_factory.get_hardware_type('arsenal-ipmi'), 'vendor',
                'arsenal'),
            vendor.ArsenalVendor)

    def test_a_new_node_gets_the_arsenal_vendor_interface_by_default(self):
        for driver in ('arsenal-ipmi', 'arsenal-redfish'):
            node = obj_utils.get_test_node(self.context, driver=driver)
            driver_factory.check_and_update_node_interfaces(node)
            self.assertEqual('arsenal', node.vendor_interface)

    def test_they_add_arsenal_direct_first_and_keep_direct(self):
        for hw_type in (hardware.ArsenalIPMIHardware(),
                        hardware.ArsenalRedfishHardware()):
            supported = hw_type.supported_deploy_interfaces
            self.assertEqual(deploy.ArsenalDirectDeploy, supported[0])
            self.assertIn(agent.AgentDeploy, supported)

    def test_the_driver_factory_loads_arsenal_direct_by_entry_point(self):
        self.assertIsInstance(
            driver_factory.get_interface(
                driver_factory.get_hardware_type('arsenal-redfish'),
                'deploy', 'arsenal-direct'),
            deploy.ArsenalDirectDeploy)

    def test_a_new_node_gets_arsenal_direct_by_default(self):
        node = obj_utils.get_test_node(self.context, driver='arsenal-ipmi')
        driver_factory.check_and_update_node_interfaces(node)
        self.assertEqual('arsenal-direct', node.deploy_interface)

    def test_direct_stays_available(self):
        node = obj_utils.get_test_node(self.context, driver='arsenal-ipmi',
                                       deploy_interface='direct')
        driver_factory.check_and_update_node_interfaces(node)
        self.assertEqual('direct', node.deploy_interface)

    def test_without_arsenal_direct_enabled_direct_is_the_default(self):
        self.config(enabled_deploy_interfaces=['direct', 'fake'])
        node = obj_utils.get_test_node(self.context, driver='arsenal-ipmi')
        driver_factory.check_and_update_node_interfaces(node)
        self.assertEqual('direct', node.deploy_interface)

    def test_upstream_vendor_interfaces_stay_available(self):
        node = obj_utils.get_test_node(self.context, driver='arsenal-ipmi',
                                       vendor_interface='ipmitool')
        driver_factory.check_and_update_node_interfaces(node)
        self.assertEqual('ipmitool', node.vendor_interface)

    def test_plain_ipmi_does_not_support_it(self):
        self.config(enabled_hardware_types=['ipmi', 'arsenal-ipmi'])
        node = obj_utils.get_test_node(self.context, driver='ipmi',
                                       vendor_interface='arsenal')
        self.assertRaises(exception.IncompatibleInterface,
                          driver_factory.check_and_update_node_interfaces,
                          node)

    def test_fake_hardware_accepts_it_for_tests(self):
        node = obj_utils.get_test_node(self.context, driver='fake-hardware',
                                       vendor_interface='arsenal')
        driver_factory.check_and_update_node_interfaces(node)
        self.assertEqual('arsenal', node.vendor_interface)
