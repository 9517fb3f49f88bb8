namespace WgSupervisor.Testing;

/// <summary>
/// The frame of a benchmark program around its command: "--flag value" arguments, Ctrl-C and SIGTERM turned into
/// cancellation (so that labs and processes are removed on the way out), the exit codes (2: usage, 130: stopped), and
/// the load average at the end.
/// </summary>
public static class BenchProgram
{
    /// <param name="program">Starts every error line (wgsupervisor-bench: …).</param>
    /// <param name="removed">Says what was removed when the run was stopped ("labs removed").</param>
    /// <param name="command">Runs the command args[0] with the parsed flags; an ArgumentException is a usage error.</param>
    public static async Task<int> RunAsync(string program, string usage, string removed, string[] args,
        Func<Dictionary<string, string>, CancellationToken, Task<int>> command)
    {
        Dictionary<string, string> flags;
        try
        {
            flags = BenchArguments.Flags(args.Skip(1).ToArray());
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"{program}: {e.Message}\n{usage}");
            return 2;
        }

        using var stop = new StopSignals();
        try
        {
            return await command(flags, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsStopping)
        {
            Console.Error.WriteLine($"{program}: stopped; {removed}");
            return 130;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"{program}: {e.Message}\n{usage}");
            return 2;
        }
        finally
        {
            Console.WriteLine($"load average at the end: {BenchArguments.LoadAverage()}");
        }
    }
}
