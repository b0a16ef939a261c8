// dsc-chunk-collective-matmul: a TP GEMM and the collective after it (all_reduce,
// reduce_scatter) or before it (all_gather of rows) split along the token rows into N chunks,
// interleaved so that each chunk's transfer can run under another chunk's GEMM, the results
// concatenated in row order. Pairs it cannot or should not split stay as they are.

// RUN: dsc-opt %s --split-input-file --dsc-chunk-collective-matmul=chunks=2 | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-chunk-collective-matmul=chunks=1 | FileCheck %s --check-prefix=OFF
// RUN: dsc-opt %s --split-input-file --dsc-chunk-collective-matmul="chunks=0 explain=true" --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=AUTO

// Chunked IR equals the original on every simulated rank, with different inputs per rank (so
// that a block put in another rank's place shows): gathers into two GEMMs (one with a
// residual addend) on 2 ranks (tokens after the batch: one GEMM per chunk) and 4 (rows after
// a size-1 dim: one GEMM per rank block), a reduce_scatter of tokens and an all_reduce on 4.
// RUN: rm -rf %t && mkdir -p %t/g %t/s
// RUN: %python %S/Inputs/rank_inputs.py %t/g 2 x=2x4x32 r=2x8x16
// RUN: dsc-interp %S/Inputs/chunk_gather_matmul.mlir --random-weights 1 --inputs %t/g --compare-pipeline='builtin.module(dsc-chunk-collective-matmul{chunks=2})' | FileCheck %s --check-prefix=INTERP2
// RUN: dsc-interp %S/Inputs/chunk_gather_matmul.mlir --random-weights 1 --inputs %t/g --compare-pipeline='builtin.module(dsc-chunk-collective-matmul{chunks=4})' | FileCheck %s --check-prefix=INTERP2
// RUN: mkdir -p %t/r && %python %S/Inputs/rank_inputs.py %t/r 4 x=1x8x32 r=1x32x16
// RUN: dsc-interp %S/Inputs/chunk_gather_rows.mlir --random-weights 1 --inputs %t/r --compare-pipeline='builtin.module(dsc-chunk-collective-matmul{chunks=2})' | FileCheck %s --check-prefix=INTERP4
// RUN: %python %S/Inputs/rank_inputs.py %t/s 4 x=2x8x32
// RUN: dsc-interp %S/Inputs/chunk_reduce_scatter.mlir --random-weights 1 --inputs %t/s --compare-pipeline='builtin.module(dsc-chunk-collective-matmul{chunks=2})' | FileCheck %s --check-prefix=INTERP4
// INTERP2-COUNT-4: ok {{.*}} rel_fro=0
// INTERP2-NOT:     FAIL
// INTERP4-COUNT-8: ok {{.*}} rel_fro=0
// INTERP4-NOT:     FAIL

// Row-parallel: GEMM 0, its all_reduce, GEMM 1, its all_reduce; the halves concatenated.
// CHECK-LABEL: func.func @all_reduce_rows
// CHECK-SAME:    (%[[X:.+]]: tensor<16x64xbf16>)
// CHECK:         %[[W:.+]] = dsc.param "w"
// CHECK-NEXT:    %[[ROWS:.+]]:2 = dsc.split %[[X]] {axis = 0 : i64, sizes = array<i64: 8, 8>}
// CHECK-NEXT:    %[[P0:.+]] = dsc.matmul %[[ROWS]]#0, %[[W]] : (tensor<8x64xbf16>, tensor<64x128xbf16>) -> tensor<8x128xbf16>
// CHECK-NEXT:    %[[Y0:.+]] = shard.all_reduce %[[P0]] on @mesh grid_axes = [0] : tensor<8x128xbf16> -> tensor<8x128xbf16>
// CHECK-NEXT:    %[[P1:.+]] = dsc.matmul %[[ROWS]]#1, %[[W]]
// CHECK-NEXT:    %[[Y1:.+]] = shard.all_reduce %[[P1]]
// CHECK-NEXT:    %[[Y:.+]] = dsc.concat %[[Y0]], %[[Y1]] {axis = 0 : i64} : (tensor<8x128xbf16>, tensor<8x128xbf16>) -> tensor<16x128xbf16>
// CHECK-NEXT:    return %[[Y]]
// OFF-LABEL:   func.func @all_reduce_rows
// OFF-NOT:       dsc.split
// AUTO:        remark: matmul + all_reduce not chunked: predicted {{.*}} us unchunked; no chunk count saves 5%
shard.grid @mesh(shape = 2)
func.func @all_reduce_rows(%x: tensor<16x64xbf16>) -> tensor<16x128xbf16> {
  %w = dsc.param "w" : tensor<64x128xbf16>
  %p = dsc.matmul %x, %w : (tensor<16x64xbf16>, tensor<64x128xbf16>) -> tensor<16x128xbf16>
  %y = shard.all_reduce %p on @mesh grid_axes = [0] reduction = sum : tensor<16x128xbf16> -> tensor<16x128xbf16>
  return %y : tensor<16x128xbf16>
}

// -----

// Batch and tokens are one dim of rows (a view), so 2 x 4 rows split in two contiguous halves;
// the residual folded into the GEMM (beta * C) is split with them.
// CHECK-LABEL: func.func @batch_and_tokens_flattened
// CHECK-SAME:    (%[[X:.+]]: tensor<2x4x64xbf16>, %[[R:.+]]: tensor<2x4x128xbf16>)
// CHECK:         %[[XF:.+]] = dsc.reshape %[[X]] : tensor<2x4x64xbf16> -> tensor<8x64xbf16>
// CHECK-NEXT:    %[[XS:.+]]:2 = dsc.split %[[XF]] {axis = 0 : i64, sizes = array<i64: 4, 4>}
// CHECK-NEXT:    %[[RF:.+]] = dsc.reshape %[[R]] : tensor<2x4x128xbf16> -> tensor<8x128xbf16>
// CHECK-NEXT:    %[[RS:.+]]:2 = dsc.split %[[RF]] {axis = 0 : i64, sizes = array<i64: 4, 4>}
// CHECK-NEXT:    %[[P0:.+]] = dsc.matmul %[[XS]]#0, %{{.+}}, %[[RS]]#0 : (tensor<4x64xbf16>, tensor<64x128xbf16>, tensor<4x128xbf16>) -> tensor<4x128xbf16>
// CHECK-NEXT:    %[[Y0:.+]] = shard.all_reduce %[[P0]]
// CHECK-NEXT:    %[[P1:.+]] = dsc.matmul %[[XS]]#1, %{{.+}}, %[[RS]]#1
// CHECK-NEXT:    %[[Y1:.+]] = shard.all_reduce %[[P1]]
// CHECK-NEXT:    %[[Y:.+]] = dsc.concat %[[Y0]], %[[Y1]] {axis = 0 : i64} : (tensor<4x128xbf16>, tensor<4x128xbf16>) -> tensor<8x128xbf16>
// CHECK-NEXT:    %[[YR:.+]] = dsc.reshape %[[Y]] : tensor<8x128xbf16> -> tensor<2x4x128xbf16>
// CHECK-NEXT:    return %[[YR]]
shard.grid @mesh(shape = 2)
func.func @batch_and_tokens_flattened(%x: tensor<2x4x64xbf16>, %r: tensor<2x4x128xbf16>) -> tensor<2x4x128xbf16> {
  %w = dsc.param "w" : tensor<64x128xbf16>
  %p = dsc.matmul %x, %w, %r : (tensor<2x4x64xbf16>, tensor<64x128xbf16>, tensor<2x4x128xbf16>) -> tensor<2x4x128xbf16>
  %y = shard.all_reduce %p on @mesh grid_axes = [0] reduction = sum : tensor<2x4x128xbf16> -> tensor<2x4x128xbf16>
  return %y : tensor<2x4x128xbf16>
}

// -----

// Sequence parallelism's reduce_scatter: rank r keeps rows [8r, 8r + 8) of 16. Chunk i takes
// rows [4i, 4i + 4) of both ranks' blocks ([G = 2, N = 2, 4] view of the rows), so each
// scatter gives rank r its rows 4i.., and the pieces concatenate in order.
// CHECK-LABEL: func.func @reduce_scatter_rows
// CHECK-SAME:    (%[[X:.+]]: tensor<16x64xbf16>)
// CHECK:         %[[BLOCKS:.+]] = dsc.reshape %[[X]] : tensor<16x64xbf16> -> tensor<2x2x4x64xbf16>
// CHECK-NEXT:    %[[XS:.+]]:2 = dsc.split %[[BLOCKS]] {axis = 1 : i64, sizes = array<i64: 1, 1>}
// CHECK-NEXT:    %[[X0:.+]] = dsc.reshape %[[XS]]#0 : tensor<2x1x4x64xbf16> -> tensor<8x64xbf16>
// CHECK-NEXT:    %[[X1:.+]] = dsc.reshape %[[XS]]#1 : tensor<2x1x4x64xbf16> -> tensor<8x64xbf16>
// CHECK-NEXT:    %[[P0:.+]] = dsc.matmul %[[X0]], %{{.+}} : (tensor<8x64xbf16>, tensor<64x32xbf16>) -> tensor<8x32xbf16>
// CHECK-NEXT:    %[[S0:.+]] = shard.reduce_scatter %[[P0]] on @mesh grid_axes = [0] scatter_axis = 0 : tensor<8x32xbf16> -> tensor<4x32xbf16>
// CHECK-NEXT:    %[[P1:.+]] = dsc.matmul %[[X1]]
// CHECK-NEXT:    %[[S1:.+]] = shard.reduce_scatter %[[P1]]
// CHECK-NEXT:    %[[Y:.+]] = dsc.concat %[[S0]], %[[S1]] {axis = 0 : i64} : (tensor<4x32xbf16>, tensor<4x32xbf16>) -> tensor<8x32xbf16>
// CHECK-NEXT:    return %[[Y]]
shard.grid @mesh(shape = 2)
func.func @reduce_scatter_rows(%x: tensor<16x64xbf16>) -> tensor<8x32xbf16> {
  %w = dsc.param "w" : tensor<64x32xbf16>
  %p = dsc.matmul %x, %w : (tensor<16x64xbf16>, tensor<64x32xbf16>) -> tensor<16x32xbf16>
  %y = shard.reduce_scatter %p on @mesh grid_axes = [0] scatter_axis = 0 : tensor<16x32xbf16> -> tensor<8x32xbf16>
  return %y : tensor<8x32xbf16>
}

// -----

// A gather of rows read by two GEMMs (q and k of sequence parallelism): gather 1 is issued
// before the GEMMs of chunk 0, which it runs under. Each gathered chunk holds rows [4i, 4i+4)
// of both ranks' blocks; one GEMM per block writes rows 8r + 4i.. of the result, so the
// products concatenate in order (rank-major, contiguous: views after lowering). The weight
// of the second GEMM is declared before the chunks that read it.
// CHECK-LABEL: func.func @all_gather_rows_two_gemms
// CHECK-SAME:    (%[[X:.+]]: tensor<8x64xbf16>)
// CHECK-DAG:     %[[WQ:.+]] = dsc.param "wq"
// CHECK-DAG:     %[[WK:.+]] = dsc.param "wk"
// CHECK:         %[[XS:.+]]:2 = dsc.split %[[X]] {axis = 0 : i64, sizes = array<i64: 4, 4>}
// CHECK-NEXT:    %[[G0:.+]] = shard.all_gather %[[XS]]#0 on @mesh grid_axes = [0] gather_axis = 0 : tensor<4x64xbf16> -> tensor<8x64xbf16>
// CHECK-NEXT:    %[[G1:.+]] = shard.all_gather %[[XS]]#1
// CHECK-NEXT:    %[[B0:.+]]:2 = dsc.split %[[G0]] {axis = 0 : i64, sizes = array<i64: 4, 4>}
// CHECK-NEXT:    %[[Q00:.+]] = dsc.matmul %[[B0]]#0, %[[WQ]] : (tensor<4x64xbf16>, tensor<64x32xbf16>) -> tensor<4x32xbf16>
// CHECK-NEXT:    %[[Q10:.+]] = dsc.matmul %[[B0]]#1, %[[WQ]]
// CHECK-NEXT:    %[[K00:.+]] = dsc.matmul %[[B0]]#0, %[[WK]]
// CHECK-NEXT:    %[[K10:.+]] = dsc.matmul %[[B0]]#1, %[[WK]]
// CHECK-NEXT:    %[[B1:.+]]:2 = dsc.split %[[G1]]
// CHECK-NEXT:    %[[Q01:.+]] = dsc.matmul %[[B1]]#0, %[[WQ]]
// CHECK-NEXT:    %[[Q11:.+]] = dsc.matmul %[[B1]]#1, %[[WQ]]
// CHECK-NEXT:    %[[K01:.+]] = dsc.matmul %[[B1]]#0, %[[WK]]
// CHECK-NEXT:    %[[K11:.+]] = dsc.matmul %[[B1]]#1, %[[WK]]
// CHECK-NEXT:    %[[Q:.+]] = dsc.concat %[[Q00]], %[[Q01]], %[[Q10]], %[[Q11]] {axis = 0 : i64}
// CHECK-NEXT:    %[[K:.+]] = dsc.concat %[[K00]], %[[K01]], %[[K10]], %[[K11]] {axis = 0 : i64}
// CHECK-NEXT:    return %[[Q]], %[[K]]
// CHECK-NOT:     shard.all_gather
shard.grid @mesh(shape = 2)
func.func @all_gather_rows_two_gemms(%x: tensor<8x64xbf16>) -> (tensor<16x32xbf16>, tensor<16x32xbf16>) {
  %g = shard.all_gather %x on @mesh grid_axes = [0] gather_axis = 0 : tensor<8x64xbf16> -> tensor<16x64xbf16>
  %wq = dsc.param "wq" : tensor<64x32xbf16>
  %q = dsc.matmul %g, %wq : (tensor<16x64xbf16>, tensor<64x32xbf16>) -> tensor<16x32xbf16>
  %wk = dsc.param "wk" : tensor<64x32xbf16>
  %k = dsc.matmul %g, %wk : (tensor<16x64xbf16>, tensor<64x32xbf16>) -> tensor<16x32xbf16>
  return %q, %k : tensor<16x32xbf16>, tensor<16x32xbf16>
}

// -----

// Cases left whole. 9 rows do not split in 2.
// CHECK-LABEL: func.func @rows_not_divisible
// CHECK-NOT:     dsc.split
// CHECK:         shard.all_reduce %{{.+}} : tensor<9x128xbf16>
// AUTO:        remark: matmul + all_reduce not chunked
shard.grid @mesh(shape = 2)
func.func @rows_not_divisible(%x: tensor<9x64xbf16>) -> tensor<9x128xbf16> {
  %w = dsc.param "w" : tensor<64x128xbf16>
  %p = dsc.matmul %x, %w : (tensor<9x64xbf16>, tensor<64x128xbf16>) -> tensor<9x128xbf16>
  %y = shard.all_reduce %p on @mesh grid_axes = [0] reduction = sum : tensor<9x128xbf16> -> tensor<9x128xbf16>
  return %y : tensor<9x128xbf16>
}

// -----

// The partial product is read by something else too (it would need the whole product).
// CHECK-LABEL: func.func @product_read_twice
// CHECK-NOT:     dsc.split
// CHECK:         shard.all_reduce %{{.+}} : tensor<16x128xbf16>
shard.grid @mesh(shape = 2)
func.func @product_read_twice(%x: tensor<16x64xbf16>) -> (tensor<16x128xbf16>, tensor<16x128xbf16>) {
  %w = dsc.param "w" : tensor<64x128xbf16>
  %p = dsc.matmul %x, %w : (tensor<16x64xbf16>, tensor<64x128xbf16>) -> tensor<16x128xbf16>
  %y = shard.all_reduce %p on @mesh grid_axes = [0] reduction = sum : tensor<16x128xbf16> -> tensor<16x128xbf16>
  return %y, %p : tensor<16x128xbf16>, tensor<16x128xbf16>
}

// -----

// A transposed a has its rows in columns; a batched weight would split with them.
// CHECK-LABEL: func.func @transposed_or_batched
// CHECK-NOT:     dsc.split
// CHECK-COUNT-2: shard.all_reduce %{{.+}} : tensor<2x16x128xbf16>
shard.grid @mesh(shape = 2)
func.func @transposed_or_batched(%x: tensor<2x64x16xbf16>, %w3: tensor<2x64x128xbf16>) -> (tensor<2x16x128xbf16>, tensor<2x16x128xbf16>) {
  %w = dsc.param "w" : tensor<64x128xbf16>
  %p = dsc.matmul %x, %w {transpose_a = true} : (tensor<2x64x16xbf16>, tensor<64x128xbf16>) -> tensor<2x16x128xbf16>
  %y = shard.all_reduce %p on @mesh grid_axes = [0] reduction = sum : tensor<2x16x128xbf16> -> tensor<2x16x128xbf16>
  %p2 = dsc.matmul %x, %w3 {transpose_a = true} : (tensor<2x64x16xbf16>, tensor<2x64x128xbf16>) -> tensor<2x16x128xbf16>
  %y2 = shard.all_reduce %p2 on @mesh grid_axes = [0] reduction = sum : tensor<2x16x128xbf16> -> tensor<2x16x128xbf16>
  return %y, %y2 : tensor<2x16x128xbf16>, tensor<2x16x128xbf16>
}

// -----

// A gather along the contraction dim, and a gather that something besides a GEMM reads.
// CHECK-LABEL: func.func @gathers_left_whole
// CHECK-NOT:     dsc.split
// CHECK:         shard.all_gather %{{.+}} gather_axis = 1 : tensor<16x32xbf16> -> tensor<16x64xbf16>
// CHECK:         shard.all_gather %{{.+}} gather_axis = 0 : tensor<8x64xbf16> -> tensor<16x64xbf16>
shard.grid @mesh(shape = 2)
func.func @gathers_left_whole(%x: tensor<16x32xbf16>, %x2: tensor<8x64xbf16>) -> (tensor<16x128xbf16>, tensor<16x128xbf16>, tensor<16x64xbf16>) {
  %w = dsc.param "w" : tensor<64x128xbf16>
  %g = shard.all_gather %x on @mesh grid_axes = [0] gather_axis = 1 : tensor<16x32xbf16> -> tensor<16x64xbf16>
  %y = dsc.matmul %g, %w : (tensor<16x64xbf16>, tensor<64x128xbf16>) -> tensor<16x128xbf16>
  %g2 = shard.all_gather %x2 on @mesh grid_axes = [0] gather_axis = 0 : tensor<8x64xbf16> -> tensor<16x64xbf16>
  %y2 = dsc.matmul %g2, %w : (tensor<16x64xbf16>, tensor<64x128xbf16>) -> tensor<16x128xbf16>
  %s = dsc.silu %g2 : tensor<16x64xbf16>
  return %y, %y2, %s : tensor<16x128xbf16>, tensor<16x128xbf16>, tensor<16x64xbf16>
}

// -----

// The cost model: a 4096-token row-parallel GEMM of 4096 x 4096 (about 180 us on the H100)
// and its 32 MiB all_reduce (about 100 us on the data-sheet link) pay off in chunks.
// CHECK-LABEL: func.func @large_row_parallel
// AUTO:        remark: matmul + all_reduce in {{[248]}} chunks along dim 0: predicted {{[0-9.]+}} us -> {{[0-9.]+}} us
shard.grid @mesh(shape = 2)
func.func @large_row_parallel(%x: tensor<4096x4096xbf16>) -> tensor<4096x4096xbf16> {
  %w = dsc.param "w" : tensor<4096x4096xbf16>
  %p = dsc.matmul %x, %w : (tensor<4096x4096xbf16>, tensor<4096x4096xbf16>) -> tensor<4096x4096xbf16>
  %y = shard.all_reduce %p on @mesh grid_axes = [0] reduction = sum : tensor<4096x4096xbf16> -> tensor<4096x4096xbf16>
  return %y : tensor<4096x4096xbf16>
}

// -----

// Under pipeline stages (a `pp` axis) micro-batching splits dim 0: the chunks split the
// tokens (dim 1) instead of the flattened rows.
// CHECK-LABEL: func.func @pipeline_keeps_the_batch
// CHECK:         dsc.split %{{.+}} {axis = 1 : i64, sizes = array<i64: 4, 4>} : tensor<2x8x64xbf16> -> tensor<2x4x64xbf16>, tensor<2x4x64xbf16>
// CHECK-COUNT-2: shard.all_reduce %{{.+}} : tensor<2x4x128xbf16>
// CHECK:         dsc.concat %{{.+}}, %{{.+}} {axis = 1 : i64} : (tensor<2x4x128xbf16>, tensor<2x4x128xbf16>) -> tensor<2x8x128xbf16>
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["pp", "tp"]}
func.func @pipeline_keeps_the_batch(%x: tensor<2x8x64xbf16>) -> tensor<2x8x128xbf16> {
  %w = dsc.param "w" : tensor<64x128xbf16>
  %p = dsc.matmul %x, %w : (tensor<2x8x64xbf16>, tensor<64x128xbf16>) -> tensor<2x8x128xbf16>
  %y = shard.all_reduce %p on @mesh grid_axes = [1] reduction = sum : tensor<2x8x128xbf16> -> tensor<2x8x128xbf16>
  return %y : tensor<2x8x128xbf16>
}
