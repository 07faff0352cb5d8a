// Runs the built `qwenvl` (qwenvl.dll beside the tests) as a child process, the way a user does,
// capturing stdout, stderr and the exit code. A 5-minute cap keeps a hung run from hanging CI.
using System.Diagnostics;

namespace QwenVL.Cli.Tests;

/// <summary>Result of one CLI invocation.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Invokes qwenvl.</summary>
public static class Qwenvl
{
    public static async Task<CliResult> Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "qwenvl.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(timeout.Token);
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }
}
