// Measures what decode is bounded by: the rate at which `threads` threads can stream memory that
// does not fit any cache (1 GiB against the 300 MiB L3 seen here), each thread reading its share
// in 8 interleaved streams with software prefetch, as the decode kernels do. The best of 3 passes
// is reported; `bench` divides the decode's weight bytes per second by it. 8 streams because they
// read fastest here: 31–34 GB/s against 27–28 with 4 (2 threads, alternating runs), so the ceiling
// is not understated. Not a STREAM clone: read only, because decode reads weights and writes almost
// nothing.
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

    /// <summary>Sums the slice as 8 streams walked in step (the sum keeps the loads alive).</summary>
    private static long Read(byte* slice, long length)
    {
        const int Streams = 8;
        long part = length / Streams / 64 * 64;
        Vector128<long> acc = Vector128<long>.Zero;
        for (long i = 0; i < part; i += 64)
        {
            for (int s = 0; s < Streams; s++)
            {
                byte* at = slice + (s * part) + i;
                if (Sse.IsSupported)
                {
                    Sse.Prefetch0(at + 1024);
                }
                // One 16-byte load per 64-byte line brings the whole line in.
                acc += Vector128.Load((long*)at);
            }
        }
        return Vector128.Sum(acc);
    }
}
