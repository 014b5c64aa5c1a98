"""Hardware types: the upstream ones operators use, plus the arsenal vendor
interface (Ironic enforces ``supported_vendor_interfaces``) and the
arsenal-direct deploy interface (``supported_deploy_interfaces`` likewise).

The arsenal interfaces come first, so they are the defaults of a node of
these types when they are enabled; the upstream interfaces (``direct``
among them) stay available. ``fake-hardware`` accepts any enabled
interface, so tests use it with ``vendor_interface=arsenal`` and
``deploy_interface=arsenal-direct``.
"""

from ironic.drivers import ipmi
from ironic.drivers import redfish

from arsenal_ironic import deploy
from arsenal_ironic import vendor


class ArsenalIPMIHardware(ipmi.IPMIHardware):
    """``ipmi`` with the arsenal vendor and arsenal-direct deploy
    interfaces.
    """

    @property
    def supported_deploy_interfaces(self):
        """The arsenal-direct deploy interface, then ipmi's."""
        return ([deploy.ArsenalDirectDeploy]
                + super().supported_deploy_interfaces)

    @property
    def supported_vendor_interfaces(self):
        """The arsenal vendor interface, then ipmi's."""
        return [vendor.ArsenalVendor] + super().supported_vendor_interfaces


class ArsenalRedfishHardware(redfish.RedfishHardware):
    """``redfish`` with the arsenal vendor and arsenal-direct deploy
    interfaces.
    """

    @property
    def supported_deploy_interfaces(self):
        """The arsenal-direct deploy interface, then redfish's."""
        return ([deploy.ArsenalDirectDeploy]
                + super().supported_deploy_interfaces)

    @property
    def supported_vendor_interfaces(self):
        """The arsenal vendor interface, then redfish's."""
        return [vendor.ArsenalVendor] + super().supported_vendor_interfaces
