/** The {@code vmfs} java.nio.file provider: VMFS images as file systems, read-only unless asked. */
package org.vmfskit.fs.nio;
