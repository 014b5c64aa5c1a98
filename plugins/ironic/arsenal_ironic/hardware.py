"""Hardware types: the upstream ones operators use, plus the arsenal vendor
interface (Ironic enforces ``supported_vendor_interfaces``).

``arsenal`` comes first, so it is the default vendor interface of a node of
these types when it is enabled; the upstream vendor interfaces stay
available. ``fake-hardware`` accepts any enabled interface, so tests use it
with ``vendor_interface=arsenal``.
"""

from ironic.drivers import ipmi
from ironic.drivers import redfish

from arsenal_ironic import vendor


class ArsenalIPMIHardware(ipmi.IPMIHardware):
    """``ipmi`` with the arsenal vendor interface."""

    @property
    def supported_vendor_interfaces(self):
        """The arsenal vendor interface, then ipmi's."""
        return [vendor.ArsenalVendor] + super().supported_vendor_interfaces


class ArsenalRedfishHardware(redfish.RedfishHardware):
    """``redfish`` with the arsenal vendor interface."""

    @property
    def supported_vendor_interfaces(self):
        """The arsenal vendor interface, then redfish's."""
        return [vendor.ArsenalVendor] + super().supported_vendor_interfaces
