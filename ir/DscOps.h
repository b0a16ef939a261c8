//===- DscOps.h - the dsc dialect's ops -------------------------*- C++ -*-===//
//
// Kept as the conventional include for op users; everything lives in DscDialect.h.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_IR_DSCOPS_H
#define DSC_IR_DSCOPS_H

#include "ir/DscDialect.h"

#endif // DSC_IR_DSCOPS_H
