/**
 * pcidevs.ts — names for the PCI vendors, products and classes this machine has
 * (NetBSD's pcidevs and pci_subr class table, the part we need).
 */

const VENDORS: Record<number, string> = {
  0x8086: "Intel",
  0x1af4: "Qumranet",
};

const PRODUCTS: Record<string, string> = {
  "8086:1237": "82441FX (PMC) PCI and Memory Controller",
  "8086:7000": "82371SB (PIIX3) PCI-ISA Bridge",
  "1af4:1000": "Virtio Network Device",
  "1af4:1001": "Virtio Block Device",
};

/** Class/subclass → NetBSD's description. */
const CLASSES: Record<number, string> = {
  0x0100: "SCSI mass storage",
  0x0101: "IDE mass storage",
  0x0180: "miscellaneous mass storage",
  0x0200: "ethernet network",
  0x0280: "miscellaneous network",
  0x0600: "host bridge",
  0x0601: "ISA bridge",
  0x0680: "miscellaneous bridge",
  0x0700: "serial communications",
  0x00ff: "unknown",
};

function hex4(n: number): string {
  return "0x" + n.toString(16).padStart(4, "0");
}

export function vendorName(v: number): string | null {
  return VENDORS[v] ?? null;
}

export function productName(v: number, p: number): string | null {
  return PRODUCTS[`${v.toString(16).padStart(4, "0")}:${p.toString(16).padStart(4, "0")}`] ?? null;
}

/** "host bridge" for class 0x06 subclass 0x00. */
export function className(cls: number, sub: number): string {
  return CLASSES[(cls << 8) | sub] ?? `class 0x${cls.toString(16).padStart(2, "0")}`;
}

/** How NetBSD prints a function without a driver: `vendor 0x8086 product 0x7000 (ISA bridge, revision 0x00)`. */
export function describeUnconfigured(
  v: number,
  p: number,
  cls: number,
  sub: number,
  rev: number,
): string {
  return `vendor ${hex4(v)} product ${hex4(p)} (${className(cls, sub)}, revision 0x${
    rev.toString(16).padStart(2, "0")
  })`;
}

/** "Intel 82441FX (PMC) PCI and Memory Controller (rev. 0x02)", for an attached driver's line. */
export function describeConfigured(v: number, p: number, rev: number): string {
  const vn = vendorName(v) ?? `vendor ${hex4(v)}`;
  const pn = productName(v, p) ?? `product ${hex4(p)}`;
  return `${vn} ${pn} (rev. 0x${rev.toString(16).padStart(2, "0")})`;
}
