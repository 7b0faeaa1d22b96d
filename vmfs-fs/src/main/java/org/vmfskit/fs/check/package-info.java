/** The volume checker: bitmap against usage, orphan and doubly-used resources, directory structure. */
package org.vmfskit.fs.check;
