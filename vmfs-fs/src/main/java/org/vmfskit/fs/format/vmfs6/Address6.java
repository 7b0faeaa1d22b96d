package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;

/**
 * A VMFS6 block address (vmfs6-format.md section 5). SFB, LFB, SB, PB and PB2 addresses are 64-bit
 * (stored in u64 fields); FD and JB addresses are 32-bit (stored in u32 fields). The low three bits
 * give the type.
 * <pre>
 * type      width  bit fields                                                       source
 * 0 none    -      all zero: a hole that reads as zeros                             [V]
 * 1 SFB     64     3-4 zero, 5 COW, 6 zero, 7-14 TBZ, 15-45 cluster (31 bits),      [D]; cluster,
 *                  46-50 zero, 51-63 resource (13 bits)                             resource [V]
 * 7 LFB     64     3-4 zero, 5 COW, 6 zero, 7-14 TBZ, 15-45 LFB number, 46-63 zero   [D]
 * 2 SB      64     3-4 zero, 5 COW, 6-41 cluster (36 bits), 42-55 zero,             [V] small values
 *                  56-63 resource (8 bits)
 * 3 PB      64     as SB                                                            [D]
 * 5 PB2     64     as SB                                                            [V] c0 r0 = 0x5
 * 4 FD      32     3-5 zero, 6-21 cluster (16 bits), 22-31 resource (10 bits)       [V]
 * 6 JB      32     3-15 cluster (13 bits), 16-25 zero, 26-31 resource (6 bits)      [D]
 * </pre>
 * The "zero" bits are reserved: a strict decode rejects them (the bits 42-55 of SB-like addresses
 * are zero on every address seen; dissect notes ESXi's printer treats bits 40-41 specially, so
 * they stay part of the cluster <i>(unsure)</i>). Hot paths keep raw {@code long}s and use the
 * static {@code …Of} helpers; these records are for API edges and messages.
 */
public sealed interface Address6 {

  /** Type code of the null address. */
  int TYPE_NONE = 0;
  /** Type code of a small file block (1 MiB). */
  int TYPE_SFB = 1;
  /** Type code of a sub-block (64 KiB in {@code .sbc.sf}). */
  int TYPE_SB = 2;
  /** Type code of a pointer block (in {@code .pbc.sf}, which VMFS6 leaves empty). */
  int TYPE_PB = 3;
  /** Type code of a file descriptor. */
  int TYPE_FD = 4;
  /** Type code of a secondary pointer block (in {@code .pb2.sf}). */
  int TYPE_PB2 = 5;
  /** Type code of a journal block. */
  int TYPE_JB = 6;
  /** Type code of a large file block (512 MiB). */
  int TYPE_LFB = 7;

  /** Returns the 64-bit on-disk form (an FD or JB address zero-extended). */
  long raw();

  /** Returns the type of a raw address (bits 0-2). */
  static int typeOf(long raw) {
    return (int) (raw & 7);
  }

  /** Describes a raw 64-bit address for messages: its decoded form, or its hex value. */
  static String describe(long raw) {
    try {
      return decode64(raw, "", -1).toString();
    } catch (CorruptStructureException e) {
      return Corrupt.hex(raw);
    }
  }

  /**
   * Decodes a raw address from a u64 field (FD block arrays, pointer blocks, resource locations).
   *
   * @throws CorruptStructureException for FD and JB types (32-bit only) and for reserved bits set
   */
  static Address6 decode64(long raw, String structure, long deviceOffset) throws CorruptStructureException {
    return switch (typeOf(raw)) {
      case TYPE_NONE -> Hole.decode(raw, structure, deviceOffset);
      case TYPE_SFB -> Sfb.decode(raw, structure, deviceOffset);
      case TYPE_LFB -> Lfb.decode(raw, structure, deviceOffset);
      case TYPE_SB -> {
        checkReserved(raw, SB_RESERVED, "SB", structure, deviceOffset);
        yield new SubBlock(sbClusterOf(raw), sbResourceOf(raw), cowOf(raw));
      }
      case TYPE_PB -> {
        checkReserved(raw, SB_RESERVED, "PB", structure, deviceOffset);
        yield new PointerBlock(sbClusterOf(raw), sbResourceOf(raw), cowOf(raw));
      }
      case TYPE_PB2 -> {
        checkReserved(raw, SB_RESERVED, "PB2", structure, deviceOffset);
        yield new PointerBlock2(sbClusterOf(raw), sbResourceOf(raw), cowOf(raw));
      }
      case TYPE_FD, TYPE_JB -> throw Corrupt.defect(structure, deviceOffset, "address",
          "a 32-bit address type in a 64-bit field", "type 0, 1, 2, 3, 5 or 7", "type " + typeOf(raw) + " in " + Corrupt.hex(raw));
      default -> throw new AssertionError("three bits hold 0..7");
    };
  }

  /**
   * Decodes a raw address from a u32 field (directory entries, FD descAddr, heartbeat journal).
   *
   * @throws CorruptStructureException for the 64-bit types and for reserved bits set
   */
  static Address6 decode32(int raw, String structure, long deviceOffset) throws CorruptStructureException {
    long value = Integer.toUnsignedLong(raw);
    return switch (typeOf(value)) {
      case TYPE_NONE -> Hole.decode(value, structure, deviceOffset);
      case TYPE_FD -> Fd.decode(raw, structure, deviceOffset);
      case TYPE_JB -> {
        checkReserved(value, JB_RESERVED, "JB", structure, deviceOffset);
        yield new Journal((raw >>> 3) & 0x1FFF, raw >>> 26);
      }
      default -> throw Corrupt.defect(structure, deviceOffset, "address",
          "a 64-bit address type in a 32-bit field", "type 0, 4 or 6", "type " + typeOf(value) + " in " + Corrupt.hex(value));
    };
  }

  /** Reserved bits of SB, PB and PB2 addresses: 3-4 and 42-55, zero on every address seen (section 5). */
  long SB_RESERVED = 0x18L | ((1L << 56) - (1L << 42));
  /** Reserved bits of an SFB address: 3-4, 6 and 46-50; also the recovery scan's plausibility rule (13.3). */
  long SFB_RESERVED = 0x18L | 0x40L | ((1L << 51) - (1L << 46));
  /** Reserved bits of an LFB address: 3-4, 6 and 46-63. */
  long LFB_RESERVED = 0x18L | 0x40L | -(1L << 46);
  /** Reserved bits of an FD address: 3-5. */
  long FD_RESERVED = 0x38L;
  /** Reserved bits of a JB address: 16-25. */
  long JB_RESERVED = ((1L << 26) - (1L << 16));

  private static void checkReserved(long raw, long mask, String kind, String structure, long deviceOffset)
      throws CorruptStructureException {
    if ((raw & mask) != 0) {
      throw Corrupt.defect(structure, deviceOffset, "address", "reserved bits set in a " + kind + " address",
          "none of " + Corrupt.hex(mask), Corrupt.hex(raw));
    }
  }

  /** Returns the COW flag (bit 5) of a raw 64-bit address. */
  static boolean cowOf(long raw) {
    return (raw & 0x20) != 0;
  }

  /** Returns the 8-bit TBZ field (bits 7-14) of a raw SFB or LFB address. */
  static int tbzOf(long raw) {
    return (int) (raw >>> 7) & 0xFF;
  }

  /** Returns the cluster (bits 15-45) of a raw SFB address. */
  static long sfbClusterOf(long raw) {
    return (raw >>> 15) & ((1L << 31) - 1);
  }

  /** Returns the resource (bits 51-63) of a raw SFB address. */
  static int sfbResourceOf(long raw) {
    return (int) (raw >>> 51);
  }

  /** Returns the cluster (bits 6-41) of a raw SB, PB or PB2 address. */
  static long sbClusterOf(long raw) {
    return (raw >>> 6) & ((1L << 36) - 1);
  }

  /** Returns the resource (bits 56-63) of a raw SB, PB or PB2 address. */
  static int sbResourceOf(long raw) {
    return (int) (raw >>> 56);
  }

  /** The null address: a hole. */
  record Hole() implements Address6 {
    /** The single instance. */
    public static final Hole INSTANCE = new Hole();

    static Hole decode(long raw, String structure, long deviceOffset) throws CorruptStructureException {
      if (raw != 0) {
        throw Corrupt.defect(structure, deviceOffset, "address", "bits set in a null address", "0", Corrupt.hex(raw));
      }
      return INSTANCE;
    }

    @Override
    public long raw() {
      return 0;
    }

    @Override
    public String toString() {
      return "null";
    }
  }

  /**
   * A small file block: SFB {@code resource} of SFB cluster {@code cluster}, logical address
   * {@code (cluster x 512 + resource) x 1 MiB} at ESXi's geometry (section 6.3).
   *
   * @param cluster the SFB cluster, 31 bits
   * @param resource the SFB within the cluster, 13 bits (below 512 at 1 MiB blocks)
   * @param tbz the 8-bit to-be-zeroed field; any bit set = the block reads as zeros (8.4)
   * @param cow the COW flag, never seen set (8.2)
   */
  record Sfb(long cluster, int resource, int tbz, boolean cow) implements Address6 {
    /** The TBZ value vmfskit writes: bit 7 of the address <i>(which bits ESXi uses is unsure, 8.4)</i>. */
    public static final int TBZ_ONE_UNIT = 1;

    /** Checks the field widths. */
    public Sfb {
      Preconditions.checkArgument(cluster >= 0 && cluster < 1L << 31, "SFB cluster %s out of range", cluster);
      Preconditions.checkArgument(resource >= 0 && resource < 1 << 13, "SFB resource %s out of range", resource);
      Preconditions.checkArgument(tbz >= 0 && tbz < 256, "TBZ field %s out of range", tbz);
    }

    /** Returns the address of SFB (cluster, resource) without flags. */
    public static Sfb of(long cluster, int resource) {
      return new Sfb(cluster, resource, 0, false);
    }

    /** Returns the address of SFB {@code number} at {@code sfbPerCluster} SFBs per cluster. */
    public static Sfb ofNumber(long number, int sfbPerCluster) {
      return of(number / sfbPerCluster, (int) (number % sfbPerCluster));
    }

    static Sfb decode(long raw, String structure, long deviceOffset) throws CorruptStructureException {
      checkReserved(raw, SFB_RESERVED, "SFB", structure, deviceOffset);
      return new Sfb(sfbClusterOf(raw), sfbResourceOf(raw), tbzOf(raw), cowOf(raw));
    }

    /** Returns whether the block reads as zeros. */
    public boolean isTbz() {
      return tbz != 0;
    }

    /** Returns this address with another TBZ field. */
    public Sfb withTbz(int newTbz) {
      return new Sfb(cluster, resource, newTbz, cow);
    }

    /** Returns the SFB number: {@code cluster x sfbPerCluster + resource}. */
    public long number(int sfbPerCluster) {
      return cluster * sfbPerCluster + resource;
    }

    @Override
    public long raw() {
      return (long) resource << 51 | cluster << 15 | (long) tbz << 7 | (cow ? 0x20 : 0) | TYPE_SFB;
    }

    @Override
    public String toString() {
      return "SFB c" + cluster + " r" + resource + (tbz != 0 ? " (TBZ " + Corrupt.hex(tbz) + ")" : "") + (cow ? " (COW)" : "");
    }
  }

  /**
   * A large file block: LFB {@code number}, logical address {@code number x 512 MiB} [D].
   *
   * @param number the LFB number, 31 bits
   * @param tbz the 8-bit to-be-zeroed field
   * @param cow the COW flag
   */
  record Lfb(long number, int tbz, boolean cow) implements Address6 {
    /** Checks the field widths. */
    public Lfb {
      Preconditions.checkArgument(number >= 0 && number < 1L << 31, "LFB number %s out of range", number);
      Preconditions.checkArgument(tbz >= 0 && tbz < 256, "TBZ field %s out of range", tbz);
    }

    static Lfb decode(long raw, String structure, long deviceOffset) throws CorruptStructureException {
      checkReserved(raw, LFB_RESERVED, "LFB", structure, deviceOffset);
      return new Lfb(sfbClusterOf(raw), tbzOf(raw), cowOf(raw));
    }

    @Override
    public long raw() {
      return number << 15 | (long) tbz << 7 | (cow ? 0x20 : 0) | TYPE_LFB;
    }

    @Override
    public String toString() {
      return "LFB " + number + (tbz != 0 ? " (TBZ " + Corrupt.hex(tbz) + ")" : "") + (cow ? " (COW)" : "");
    }
  }

  /**
   * A sub-block: resource (cluster, resource) of {@code .sbc.sf}, 64 KiB. VMFS6 also keeps its
   * pointer blocks here, addressed with this type (section 8.3).
   *
   * @param cluster the cluster, 36 bits
   * @param resource the resource within the cluster, 8 bits
   * @param cow the COW flag
   */
  record SubBlock(long cluster, int resource, boolean cow) implements Address6 {
    /** Checks the field widths. */
    public SubBlock {
      checkSbFields(cluster, resource);
    }

    /** Returns the address of (cluster, resource) without flags. */
    public static SubBlock of(long cluster, int resource) {
      return new SubBlock(cluster, resource, false);
    }

    @Override
    public long raw() {
      return sbRaw(cluster, resource, cow, TYPE_SB);
    }

    @Override
    public String toString() {
      return "SB c" + cluster + " r" + resource;
    }
  }

  /**
   * A pointer block in {@code .pbc.sf}; VMFS6 volumes keep that file empty, so a live file holding
   * one is corrupt or unknown (section 8.3).
   *
   * @param cluster the cluster, 36 bits
   * @param resource the resource within the cluster, 8 bits
   * @param cow the COW flag
   */
  record PointerBlock(long cluster, int resource, boolean cow) implements Address6 {
    /** Checks the field widths. */
    public PointerBlock {
      checkSbFields(cluster, resource);
    }

    @Override
    public long raw() {
      return sbRaw(cluster, resource, cow, TYPE_PB);
    }

    @Override
    public String toString() {
      return "PB c" + cluster + " r" + resource;
    }
  }

  /**
   * A secondary pointer block: resource (cluster, resource) of {@code .pb2.sf}, 64 KiB of 8192 SFB
   * addresses; {@code .sbc.sf} uses them (ZLA 5).
   *
   * @param cluster the cluster, 36 bits
   * @param resource the resource within the cluster, 8 bits
   * @param cow the COW flag
   */
  record PointerBlock2(long cluster, int resource, boolean cow) implements Address6 {
    /** Checks the field widths. */
    public PointerBlock2 {
      checkSbFields(cluster, resource);
    }

    /** Returns the address of (cluster, resource) without flags. */
    public static PointerBlock2 of(long cluster, int resource) {
      return new PointerBlock2(cluster, resource, false);
    }

    @Override
    public long raw() {
      return sbRaw(cluster, resource, cow, TYPE_PB2);
    }

    @Override
    public String toString() {
      return "PB2 c" + cluster + " r" + resource;
    }
  }

  /**
   * A file-descriptor address (32-bit): resource (cluster, resource) of {@code .fdc.sf}.
   *
   * @param cluster the cluster, 16 bits
   * @param resource the FD within the cluster, 10 bits
   */
  record Fd(int cluster, int resource) implements Address6 {
    /** The root directory, c0 r0 = 0x4. */
    public static final Fd ROOT = new Fd(0, 0);

    /** Checks the field widths. */
    public Fd {
      Preconditions.checkArgument(cluster >= 0 && cluster < 1 << 16, "FD cluster %s out of range", cluster);
      Preconditions.checkArgument(resource >= 0 && resource < 1 << 10, "FD resource %s out of range", resource);
    }

    /** Decodes a raw value that must be an FD address. */
    public static Fd decode(int raw, String structure, long deviceOffset) throws CorruptStructureException {
      long value = Integer.toUnsignedLong(raw);
      if (typeOf(value) != TYPE_FD) {
        throw Corrupt.defect(structure, deviceOffset, "address", "not a file-descriptor address", "type 4", Corrupt.hex(value));
      }
      checkReserved(value, FD_RESERVED, "FD", structure, deviceOffset);
      return new Fd((raw >>> 6) & 0xFFFF, raw >>> 22);
    }

    /** Returns the 32-bit on-disk form. */
    public int raw32() {
      return resource << 22 | cluster << 6 | TYPE_FD;
    }

    @Override
    public long raw() {
      return Integer.toUnsignedLong(raw32());
    }

    @Override
    public String toString() {
      return "FD c" + cluster + " r" + resource + " (" + Corrupt.hex(raw()) + ")";
    }
  }

  /**
   * A journal-block address (32-bit): resource (cluster, resource) of {@code .jbc.sf} [D].
   *
   * @param cluster the cluster, 13 bits
   * @param resource the JB within the cluster, 6 bits
   */
  record Journal(int cluster, int resource) implements Address6 {
    /** Checks the field widths. */
    public Journal {
      Preconditions.checkArgument(cluster >= 0 && cluster < 1 << 13, "JB cluster %s out of range", cluster);
      Preconditions.checkArgument(resource >= 0 && resource < 1 << 6, "JB resource %s out of range", resource);
    }

    /** Returns the 32-bit on-disk form. */
    public int raw32() {
      return resource << 26 | cluster << 3 | TYPE_JB;
    }

    @Override
    public long raw() {
      return Integer.toUnsignedLong(raw32());
    }

    @Override
    public String toString() {
      return "JB c" + cluster + " r" + resource;
    }
  }

  private static void checkSbFields(long cluster, int resource) {
    Preconditions.checkArgument(cluster >= 0 && cluster < 1L << 36, "cluster %s out of range", cluster);
    Preconditions.checkArgument(resource >= 0 && resource < 256, "resource %s out of range", resource);
  }

  private static long sbRaw(long cluster, int resource, boolean cow, int type) {
    return (long) resource << 56 | cluster << 6 | (cow ? 0x20 : 0) | type;
  }
}
