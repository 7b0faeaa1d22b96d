/**
 * Containers that hold a datastore: whole-disk images with an MBR or GPT partition table, EWF
 * (EnCase {@code .E01}) segment sets and VMware virtual disks. Each is opened as a read-only
 * {@link org.vmfskit.fs.device.BlockDevice}, chosen by content through {@link
 * org.vmfskit.fs.device.container.ImageOpener}, so nothing above the device layer knows the
 * container. This package sits above {@code vmdk}: the VMDK container reads through {@link
 * org.vmfskit.fs.vmdk.VirtualDisk}.
 */
package org.vmfskit.fs.device.container;
