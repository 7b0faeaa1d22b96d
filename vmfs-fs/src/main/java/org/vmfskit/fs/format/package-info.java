/** On-disk structures of VMFS5: one immutable record per structure with decode and encode, the little-endian helper, block addresses and the checked format exceptions. */
package org.vmfskit.fs.format;
