using System.CommandLine;
using WgSupervisor.Cli.Commands;

namespace WgSupervisor.Cli;

/// <summary>
/// wgsup's command tree and its one entry point. Program.cs hands in the real console and environment; tests hand in
/// string writers and a dictionary, and run it in-process against a fake API.
/// </summary>
public static class WgsupApp
{
    public static RootCommand BuildCommandLine(CliConsole console, Func<string, string?> environment)
    {
        var options = new GlobalOptions();
        var runner = new CommandRunner(options, console, environment);
        var root = new RootCommand("wgsup: the command-line client of WgSupervisor's admin API")
        {
            ReadCommands.Status(runner),
            ReadCommands.Show(runner),
            ReadCommands.Events(runner),
            WatchCommand.Create(runner),
            OperatorCommands.Restart(runner),
            OperatorCommands.Pause(runner),
            OperatorCommands.Resume(runner),
            OperatorCommands.Release(runner),
            OperatorCommands.Site(runner),
            OperatorCommands.PauseSite(runner),
            OperatorCommands.ResumeSite(runner),
            ReadCommands.Fleet(runner),
            ReadCommands.Health(runner),
        };
        foreach (var option in options.All) root.Add(option);
        return root;
    }

    /// <summary>Parses and runs one command line; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, Func<string, string?> environment,
        CancellationToken cancellationToken = default)
    {
        var root = BuildCommandLine(console, environment);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine would answer 1 and print the whole help; a usage error is 2, with a pointer to the help.
            foreach (var error in parse.Errors) await console.Error.WriteLineAsync($"wgsup: {error.Message}");
            var commandPath = new List<string>();
            for (var result = parse.CommandResult; result is not null && result.Command is not RootCommand; result = result.Parent as System.CommandLine.Parsing.CommandResult)
                commandPath.Insert(0, result.Command.Name);
            commandPath.Insert(0, "wgsup");
            await console.Error.WriteLineAsync($"Run '{string.Join(' ', commandPath)} --help' for usage.");
            await console.Error.FlushAsync(cancellationToken);
            return ExitCodes.Usage;
        }
        var configuration = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            // Ctrl-C is handled by Program (it cancels cancellationToken), not by System.CommandLine's own handler.
            ProcessTerminationTimeout = null,
        };
        return await parse.InvokeAsync(configuration, cancellationToken);
    }

}
