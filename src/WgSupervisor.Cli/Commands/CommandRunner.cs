using System.CommandLine;
using System.Net;
using WgSupervisor.Cli.Api;

namespace WgSupervisor.Cli.Commands;

/// <summary>
/// Runs a command's handler and turns how it ended into an exit code and one message on stderr:
/// usage 2, API refusal 1, unreachable 3 (see <see cref="ExitCodes"/>). Messages never hold the token.
/// </summary>
public sealed class CommandRunner(GlobalOptions options, CliConsole console, Func<string, string?> environment)
{
    public GlobalOptions Options { get; } = options;

    public Func<ParseResult, CancellationToken, Task<int>> Handler(Func<CommandContext, CancellationToken, Task<int>> body) =>
        async (parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, Options, console, environment);
            try
            {
                return await body(context, cancellationToken);
            }
            catch (UsageException e)
            {
                return Fail(ExitCodes.Usage, e.Message);
            }
            catch (ApiProblemException e)
            {
                var problem = e.Problem;
                var message = problem.Detail is { Length: > 0 } detail ? $"{problem.Title}: {detail}" : problem.Title;
                if (e.Status == HttpStatusCode.Unauthorized && context.Settings.Token is null)
                    message += $"\nhint: give the admin token (for reads, the read token will do) with --token-file PATH, ${ClientSettings.TokenVariable} or --token";
                // A 400 names a parameter the API found wrong: a usage error, like a bad option.
                return Fail(e.Status == HttpStatusCode.BadRequest ? ExitCodes.Usage : ExitCodes.Failure, message);
            }
            catch (ApiUnreachableException e)
            {
                return Fail(ExitCodes.Unreachable, e.Message);
            }
            catch (UnexpectedAnswerException e)
            {
                return Fail(ExitCodes.Failure, e.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Fail(ExitCodes.Interrupted, "interrupted");
            }
            catch (Exception e)
            {
                // A bug of wgsup's own, or something no case above foresaw: one line, not a stack trace.
                return Fail(ExitCodes.Failure, $"unexpected error ({e.GetType().Name}): {e.Message}");
            }
        };

    private int Fail(int exitCode, string message)
    {
        console.Error.WriteLine($"wgsup: {message}");
        console.Error.Flush();
        return exitCode;
    }
}
