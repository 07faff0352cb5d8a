// Maps every exception type the layers below throw to one line on stderr and an exit code:
// 2 = bad input (request, image, arguments), 3 = bad or missing checkpoint, 130 = cancelled,
// 70 = internal error (a bug: the message says so and how to report it).
using QwenVL.ChatTemplates;
using QwenVL.Checkpoints;
using QwenVL.Engine;
using QwenVL.Imaging;
using QwenVL.Models;
using QwenVL.Tokenizer;

namespace QwenVL.Cli;

/// <summary>Runs a command body and turns failures into messages and exit codes.</summary>
public static class CliErrors
{
    /// <summary>Exit code for bad input.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code for a bad checkpoint.</summary>
    public const int BadModel = 3;

    /// <summary>Runs <paramref name="body"/>, reporting failures on stderr.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("qwenvl: cancelled").ConfigureAwait(false);
            return 130;
        }
        catch (Exception e) when (Describe(e) is (int code, string message))
        {
            await Console.Error.WriteLineAsync("qwenvl: error: " + message).ConfigureAwait(false);
            return code;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"qwenvl: internal error ({e.GetType().Name}): {e.Message}\n  this is a bug; run with QWENVL_TRACE=1 for a stack trace and report it").ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("QWENVL_TRACE") == "1")
            {
                await Console.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }
            return 70;
        }
    }

    private static (int, string)? Describe(Exception e) => e switch
    {
        EngineException x => (BadInput, x.Message),
        ImageException x => (BadInput, x.Message),
        CliUsageException x => (BadInput, x.Message),
        ModelException x => (BadModel, x.Message),
        CheckpointException x => (BadModel, x.Message),
        TokenizerException x => (BadModel, x.Message),
        TemplateException x => (BadModel, x.Message),
        FileNotFoundException x => (BadInput, x.Message),
        DirectoryNotFoundException x => (BadInput, x.Message),
        UnauthorizedAccessException x => (BadInput, x.Message),
        IOException x => (BadInput, x.Message),
        _ => null,
    };
}

/// <summary>Wrong combination of arguments.</summary>
public sealed class CliUsageException(string message) : Exception(message);
