// Measures what decode is bounded by: the rate at which `threads` threads can stream memory that
// does not fit any cache (1 GiB against the 300 MiB L3 seen here), each thread reading its share
// in 4 interleaved streams with software prefetch, as the decode kernels do. The best of 3 passes
// is reported; `bench` divides the decode's weight bytes per second by it. Not a STREAM clone: read
// only, no writes, because decode reads weights and writes almost nothing.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Cli.Bench;

/// <summary>Read-bandwidth probe.</summary>
public static unsafe class MemoryBandwidth
{
    /// <summary>Best read rate in bytes per second over 3 passes of <paramref name="bytes"/> with <paramref name="threads"/> threads.</summary>
    public static double Measure(int threads, long bytes = 1L << 30)
    {
        threads = Math.Max(1, threads);
        long perThread = bytes / threads / 256 * 256;
        byte* buffer = (byte*)NativeMemory.AlignedAlloc((nuint)(perThread * threads), 64);
        try
        {
            // Touch every page first (and make the values non-zero) so no pass pays for page faults.
            for (long at = 0, total = perThread * threads; at < total; at += int.MaxValue)
            {
                new Span<byte>(buffer + at, (int)Math.Min(int.MaxValue, total - at)).Fill(1);
            }
            double best = 0;
            for (int pass = 0; pass < 3; pass++)
            {
                using var start = new Barrier(threads + 1);
                var workers = new Thread[threads];
                long sink = 0;
                for (int t = 0; t < threads; t++)
                {
                    byte* slice = buffer + (t * perThread);
                    workers[t] = new Thread(() =>
                    {
                        start.SignalAndWait();
                        Interlocked.Add(ref sink, Read(slice, perThread));
                    }) { IsBackground = true };
                    workers[t].Start();
                }
                start.SignalAndWait();
                long began = Stopwatch.GetTimestamp();
                foreach (Thread w in workers)
                {
                    w.Join();
                }
                double seconds = Stopwatch.GetElapsedTime(began).TotalSeconds;
                GC.KeepAlive(sink);
                best = Math.Max(best, perThread * threads / seconds);
            }
            return best;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    /// <summary>Sums the slice as 4 quarter-streams walked in step (the sum keeps the loads alive).</summary>
    private static long Read(byte* slice, long length)
    {
        long quarter = length / 4 / 64 * 64;
        byte* a = slice, b = slice + quarter, c = slice + (2 * quarter), d = slice + (3 * quarter);
        Vector128<long> acc = Vector128<long>.Zero;
        for (long i = 0; i < quarter; i += 64)
        {
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(a + i + 1024);
                Sse.Prefetch0(b + i + 1024);
                Sse.Prefetch0(c + i + 1024);
                Sse.Prefetch0(d + i + 1024);
            }
            // One 16-byte load per 64-byte line of each stream brings the whole line in.
            acc += Vector128.Load((long*)(a + i)) + Vector128.Load((long*)(b + i)) + Vector128.Load((long*)(c + i)) + Vector128.Load((long*)(d + i));
        }
        return Vector128.Sum(acc);
    }
}
