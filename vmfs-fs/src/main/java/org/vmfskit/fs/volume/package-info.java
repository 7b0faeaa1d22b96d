/** The VMFS5 volume: mkfs and open, geometry, resource files and their allocation bitmaps, metadata transactions and the checker. */
package org.vmfskit.fs.volume;
