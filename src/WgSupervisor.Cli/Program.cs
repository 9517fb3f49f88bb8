// wgsup: command-line client of the WgSupervisor admin API. See docs/cli.md.
using WgSupervisor.Cli;

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C ends the command cleanly (watch exits 0); a second one ends the process at once.
    if (interrupt.IsCancellationRequested) return;
    e.Cancel = true;
    interrupt.Cancel();
};
return await WgsupApp.RunAsync(args, CliConsole.FromSystem(Environment.GetEnvironmentVariable), Environment.GetEnvironmentVariable, interrupt.Token);
