// Tests of the backend factory: every documented name creates a backend that reports what it
// chose, and an unknown name fails with the list of valid names.
using QwenVL.Tensors;

namespace QwenVL.Tensors.Tests;

public class ComputeBackendsTests
{
    [Theory]
    [InlineData("reference", "reference")]
    [InlineData("cpu-scalar", "cpu-scalar")]
    [InlineData("CPU-V128", "cpu-v128")]
    public void Create_KnownName_ReportsLevelAndThreads(string name, string expectedPrefix)
    {
        IComputeBackend backend = ComputeBackends.Create(name, threads: 2);
        try
        {
            Assert.StartsWith(expectedPrefix, backend.Name);
            if (backend is CpuBackend cpu)
            {
                Assert.Equal($"{expectedPrefix}x2", cpu.Name);
            }
        }
        finally
        {
            (backend as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void Create_Cpu_UsesBestLevel()
    {
        using var cpu = (CpuBackend)ComputeBackends.Create("cpu", threads: 1);
        Assert.Equal(SimdLevels.Best, cpu.Level);
        Assert.Equal($"cpu-{SimdLevels.ShortName(SimdLevels.Best)}x1", cpu.Name);
    }

    [Fact]
    public void Create_WiderThanHardware_IsCappedToBest()
    {
        using var cpu = (CpuBackend)ComputeBackends.Create("cpu-v512", threads: 1);
        Assert.Equal(SimdLevels.Resolve(SimdLevel.Vector512), cpu.Level);
        Assert.True(cpu.Level <= SimdLevels.Best);
    }

    [Fact]
    public void Create_UnknownName_ListsValidNames()
    {
        var error = Assert.Throws<ArgumentException>(() => ComputeBackends.Create("gpu"));
        Assert.Contains("'gpu'", error.Message);
        foreach (string name in ComputeBackends.Names)
        {
            Assert.Contains(name, error.Message);
        }
    }
}
