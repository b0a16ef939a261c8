// dsc-schedule-collectives rejects a device whose ceilings the cost model does not know.

// RUN: dsc-opt %s --dsc-schedule-collectives=device=b200 -verify-diagnostics

// expected-error @+1 {{dsc-schedule-collectives: unknown device 'b200' (known: h100)}}
module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @unknown_device() {
    return
  }
}
