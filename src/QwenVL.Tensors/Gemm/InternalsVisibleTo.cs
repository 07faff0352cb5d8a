// Lets the tensor tests call the GEMM's packing routines, micro-kernels and block-size override
// directly (they pin each fast piece to its scalar reference). Nothing else sees the internals.
using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("QwenVL.Tensors.Tests")]
