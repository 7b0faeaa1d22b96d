/** Files and directories on a volume: reading and writing through each addressing mode, path lookup, delete semantics. */
package org.vmfskit.fs.file;
