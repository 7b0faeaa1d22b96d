package org.vmfskit.fs.format;

/**
 * A VMFS3/5 32-bit block address. The low three bits give the kind; the rest name a resource.
 * <pre>
 * type (bits 0-2)  layout of the remaining bits
 * 0 null           hole, reads as zeros
 * 1 FB             bit 4 COW, bit 5 TBZ, bits 6-31 block number (26 bits)
 * 2 SB             bits 3-4 resource bits 4-5 (DENSE_SBPC), bit 5 COW, bits 6-27 cluster,
 *                  bits 28-31 resource bits 0-3
 * 3 PB             bit 5 COW, bits 6-27 cluster, bits 28-31 resource
 * 4 FD             bits 6-21 cluster (16 bits), bits 22-31 resource (10 bits)
 * 5 PB2            as PB
 * </pre>
 * Hot paths keep raw {@code int}s and use the static helpers; records are for API edges and
 * messages.
 */
public sealed interface BlockAddress
    permits NullAddr, FileBlockAddr, SubBlockAddr, PointerBlockAddr, PointerBlock2Addr, FileDescriptorAddr {

  int TYPE_NULL = 0;
  int TYPE_FB = 1;
  int TYPE_SB = 2;
  int TYPE_PB = 3;
  int TYPE_FD = 4;
  int TYPE_PB2 = 5;

  /** Returns the 32-bit on-disk form. */
  int raw();

  /** Describes a raw address for messages: its decoded form, or its hex value when undecodable. */
  static String describe(int raw) {
    try {
      return decode(raw, "", -1).toString();
    } catch (CorruptStructureException e) {
      return Corrupt.hex(raw & 0xFFFFFFFFL);
    }
  }

  /** Returns the address type of a raw value (bits 0-2). */
  static int typeOf(int raw) {
    return raw & 7;
  }

  /**
   * Decodes a raw address found in {@code structure} at {@code deviceOffset}.
   *
   * @throws CorruptStructureException for the undefined types 6 and 7, or a non-zero null address
   */
  static BlockAddress decode(int raw, String structure, long deviceOffset) throws CorruptStructureException {
    return switch (typeOf(raw)) {
      case TYPE_NULL -> {
        if (raw != 0) {
          throw Corrupt.defect(structure, deviceOffset, "address", "bad block address", "a known type", Corrupt.hex(raw & 0xFFFFFFFFL));
        }
        yield NullAddr.INSTANCE;
      }
      case TYPE_FB -> FileBlockAddr.fromRaw(raw);
      case TYPE_SB -> SubBlockAddr.fromRaw(raw);
      case TYPE_PB -> new PointerBlockAddr(PointerBlockAddr.clusterOf(raw), PointerBlockAddr.resourceOf(raw), (raw & 0x20) != 0);
      case TYPE_FD -> FileDescriptorAddr.fromRaw(raw);
      case TYPE_PB2 -> new PointerBlock2Addr(PointerBlockAddr.clusterOf(raw), PointerBlockAddr.resourceOf(raw), (raw & 0x20) != 0);
      default -> throw Corrupt.defect(structure, deviceOffset, "address", "bad block address type", "0..5", typeOf(raw) + " in " + Corrupt.hex(raw & 0xFFFFFFFFL));
    };
  }
}
