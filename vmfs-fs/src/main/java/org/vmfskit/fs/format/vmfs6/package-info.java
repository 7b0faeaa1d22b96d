/**
 * On-disk structures of VMFS6 (LVM 6, FS 24.x; {@code shared/specs/vmfs6-format.md}): one
 * immutable record per structure with strict {@code decode} and {@code encode}, the 64/32-bit
 * {@link org.vmfskit.fs.format.vmfs6.Address6} hierarchy, the directory-name hash and the
 * read-side walks of hashed directories. The records share {@code format}'s little-endian helper,
 * lock record, file types, addressing modes and checked exceptions; nothing here reads a device.
 *
 * <h2>Design note for the format seam (next session)</h2>
 * What differs per version, and therefore belongs behind one {@code VolumeFormat}-like seam with
 * {@code Vmfs5} and {@code Vmfs6} implementations:
 * <ul>
 *   <li><b>Bootstrap and geometry</b>: LVM header and volume table ({@code LvmHeader} vs
 *       {@link org.vmfskit.fs.format.vmfs6.LvmDeviceHeader6} + {@link
 *       org.vmfskit.fs.format.vmfs6.VolumeDescriptor6} + PE table at mdA-derived offsets), FS
 *       descriptor, heartbeat region (2048 x 512 B vs 1024 x mdA), FDC base and system-FD places
 *       (VMFS6: {@code 0x720000 + r x 0x2000}), FD size (2 KiB vs 2 x mdA), cluster-header size
 *       (1 KiB vs 2 x mdA). A {@code Geometry} per version carries these numbers.</li>
 *   <li><b>Address codec</b>: 32-bit {@code BlockAddress} vs 64-bit {@code Address6}; the seam
 *       resolves "file block i of this FD" to a device extent (or a hole) and allocates, so
 *       {@code VmfsFile} sees only extents. VMFS6 pointer blocks are 64 KiB SBs of {@code .sbc.sf}
 *       holding 8192 u64 entries (VMFS5: {@code .pbc.sf} MAPs of 1024 u32); PB2 for {@code .sbc.sf}
 *       itself; TBZ is a field in the SFB address, not one bit.</li>
 *   <li><b>Resource allocation</b>: VMFS5 has four one-level 1-bit resource files; VMFS6 has a
 *       two-level {@code .fbb.sf} (LFB level whose data slots are the SFB level's cluster headers,
 *       2- and 3-bit bitmaps with an unknown free encoding) plus FDC/SBC/PB2/JBC with 1-bit maps.
 *       One allocator interface ({@code allocate/free(kind)}) with per-version implementations;
 *       {@link org.vmfskit.fs.format.vmfs6.ResourceHeader6} already computes header and resource
 *       offsets the same way for every VMFS6 resource file.</li>
 *   <li><b>FD codec</b>: {@code FileDescriptor} vs {@link org.vmfskit.fs.format.vmfs6.FileDescriptor6}
 *       behind one view (type, length, times, mode, ZLA, resident bytes, block list); growth
 *       thresholds per version (VMFS6: resident 3584 B, 320-entry array, SB 64 KiB, PB 8 GiB).</li>
 *   <li><b>Directory implementation</b>: the biggest split. VMFS5 is a flat array of 140-byte
 *       entries; VMFS6 is {@link org.vmfskit.fs.format.vmfs6.DirHeader6} + allocation map +
 *       dirent/link blocks, with lookup by {@link org.vmfskit.fs.format.vmfs6.NameHash6} ({@link
 *       org.vmfskit.fs.format.vmfs6.HashedDirectory6} does the read side). A {@code Directory}
 *       interface (lookup, list, add, remove, isEmpty) with two implementations; add/remove must
 *       update table, link groups, slot bitmaps, nibbles and counts in one journaled change.</li>
 *   <li><b>Journal placement and clean-volume check</b>: VMFS6 has {@code .jbc.sf} and 4 KiB
 *       heartbeats; "unclean" = a live heartbeat, an allocated JB or a held lock (section 11).</li>
 * </ul>
 * What stays common: {@code device}, the little-endian helper and exceptions, {@code FileType},
 * {@code AddressingMode} codes (identical numbers), path resolution, symlinks, nio, vmdk,
 * snapshot and the recovery pipeline (which asks the seam where MAPs live and how big they are).
 */
package org.vmfskit.fs.format.vmfs6;
