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


class _ArsenalInterfaces:
    """The arsenal-direct deploy and arsenal vendor interfaces, first,
    then those of the upstream hardware type this is mixed into.
    """

    @property
    def supported_deploy_interfaces(self):
        """The arsenal-direct deploy interface, then upstream's."""
        return ([deploy.ArsenalDirectDeploy]
                + super().supported_deploy_interfaces)

    @property
    def supported_vendor_interfaces(self):
        """The arsenal vendor interface, then upstream's."""
        return [vendor.ArsenalVendor] + super().supported_vendor_interfaces


class ArsenalIPMIHardware(_ArsenalInterfaces, ipmi.IPMIHardware):
    """``ipmi`` with the arsenal vendor and arsenal-direct deploy
    interfaces.
    """


class ArsenalRedfishHardware(_ArsenalInterfaces, redfish.RedfishHardware):
    """``redfish`` with the arsenal vendor and arsenal-direct deploy
    interfaces.
    """
