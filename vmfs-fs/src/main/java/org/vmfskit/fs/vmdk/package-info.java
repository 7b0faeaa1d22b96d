/**
 * VMware virtual disks: descriptors, flat, vmfsSparse (COWD), SEsparse and hosted sparse (KDMV)
 * extents, chains read through one merged grain index, and export.
 *
 * <p>Entry points: {@link org.vmfskit.fs.vmdk.VirtualDisk#open}, {@link
 * org.vmfskit.fs.vmdk.VirtualDisk#createBase}, {@link org.vmfskit.fs.vmdk.VirtualDisk#createDelta},
 * {@link org.vmfskit.fs.vmdk.VirtualDisk#exportRaw}, {@link
 * org.vmfskit.fs.vmdk.VirtualDisk#exportFlat}, {@link
 * org.vmfskit.fs.vmdk.VirtualDisk#exportMonolithicSparse}, over a {@link
 * org.vmfskit.fs.vmdk.DiskStore} such as {@link org.vmfskit.fs.vmdk.HostDiskStore}. Everything read
 * from a disk file that breaks the format ends in a checked {@link
 * org.vmfskit.fs.format.VmfsFormatException} naming the file offset.
 */
package org.vmfskit.fs.vmdk;
