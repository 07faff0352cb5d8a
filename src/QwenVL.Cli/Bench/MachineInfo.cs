// Facts about the machine a benchmark ran on, for its report: CPU model (/proc/cpuinfo on Linux),
// logical cores, OS/runtime, the instruction-set classes .NET accelerates here, and peak resident
// memory. It reads; it does not probe speed (the GFLOP/s figures came from other tools).
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QwenVL.Cli.Bench;

/// <summary>Machine description and memory probes.</summary>
public static class MachineInfo
{
    /// <summary>"model name" from /proc/cpuinfo, else the OS architecture.</summary>
    public static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int c and >= 0)
                    {
                        return line[(c + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
            // fall through to the architecture name
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>
    /// Intrinsics classes (System.Runtime.Intrinsics.X86 / Arm) whose IsSupported is true, e.g.
    /// "Avx512F", "AvxVnni", "AdvSimd": what the kernels can be compiled to here, not what the CPU's
    /// flags list (this machine's avx512_bf16 and 512-bit VNNI have no .NET 10 class, so they never appear;
    /// the report's "int8_kernel" says when generated 512-bit VNNI code is in use).
    /// </summary>
    public static IReadOnlyList<string> IsaClasses()
    {
        var result = new List<string>();
        foreach (Type t in typeof(Vector128).Assembly.GetExportedTypes())
        {
            if (t.Namespace is not ("System.Runtime.Intrinsics.X86" or "System.Runtime.Intrinsics.Arm") || !t.IsClass)
            {
                continue;
            }
            // Top-level vector-math classes only: the .X64/.VL nested classes and scalar helpers
            // (Bmi, Popcnt, Aes, ...) say nothing about the kernels.
            bool vectorMath = t.Name.StartsWith("Avx", StringComparison.Ordinal) || t.Name is "Fma" or "AdvSimd" or "Dp" or "Rdm" or "Sve" or "Sve2";
            if (!t.IsNested && vectorMath && t.GetProperty("IsSupported", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is true)
            {
                result.Add(t.Name);
            }
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>Widest Vector&lt;N&gt; the JIT accelerates: 512, 256, 128 or 0.</summary>
    public static int VectorBits() =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>True when the CPU has AVX-512F (for the one-line summary).</summary>
    /// <summary>One-minute load average from /proc/loadavg (Linux), else null: above the core count means a noisy run.</summary>
    public static double? LoadAverage()
    {
        try
        {
            if (File.Exists("/proc/loadavg")
                && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out double load))
            {
                return load;
            }
        }
        catch (IOException)
        {
            // not available
        }
        return null;
    }

    /// <summary>
    /// Restarts Linux's peak-RSS counter at the current RSS (writes 5 to /proc/self/clear_refs), so
    /// the peak covers only what follows (not, say, writing a synthetic checkpoint). Returns false
    /// where that is not possible; the peak then covers the whole process.
    /// </summary>
    public static bool ResetPeakRss()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/self/clear_refs"))
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
                return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // older kernels or restricted containers: keep the whole-process peak
        }
        return false;
    }

    /// <summary>
    /// Peak resident set of this process and where it came from: Linux's VmHWM (the true high-water
    /// mark, mapped weight pages included), else the current working set (a lower bound of the peak).
    /// </summary>
    public static (long Bytes, string Source) PeakRss()
    {
        try
        {
            if (File.Exists("/proc/self/status"))
            {
                foreach (string line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        string[] parts = line[6..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                        if (parts.Length >= 1 && long.TryParse(parts[0], out long kib))
                        {
                            return (kib * 1024, "VmHWM");
                        }
                    }
                }
            }
        }
        catch (IOException)
        {
            // fall back below
        }
        return (Environment.WorkingSet, "WorkingSet");
    }
}
