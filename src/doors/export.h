/* The one mark of an exported door. Everything in the library is hidden
 * (-fvisibility=hidden); only functions marked so, and listed in export.map,
 * leave it (tests/exports.bats compares the two with nm). */
#ifndef WB_EXPORT_H
#define WB_EXPORT_H

#define WB_EXPORT __attribute__((visibility("default")))

#endif
