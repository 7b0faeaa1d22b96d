/** VMware virtual disks: descriptors, flat, vmfsSparse (COWD), SEsparse and hosted sparse extents, chains with one merged grain index, and export. */
package org.vmfskit.fs.vmdk;
