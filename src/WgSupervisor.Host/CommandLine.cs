namespace WgSupervisor.Host;

/// <summary>The host's few command-line arguments.</summary>
public sealed record CommandLine(string Command, string ConfigPath, string? Error)
{
    public const string Usage = "usage: wgsupervisor [run|check|demo] [--config PATH]\n       "
        + "wgsupervisor certs --out DIR [--days N] NODE=HOST[,HOST...] [NODE=HOST...]";

    /// <summary>The arguments after the command, for a command that reads its own (certs).</summary>
    public IReadOnlyList<string> CommandArguments { get; init; } = [];

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var command = "run";
        var configPath = Configuration.ConfigLoader.DefaultPath;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "certs" when i == 0:
                    return new CommandLine("certs", configPath, null) { CommandArguments = args.Skip(1).ToList() };
                case "run" or "check" or "demo" when i == 0:
                    command = args[i];
                    break;
                case "--config" when i + 1 < args.Count:
                    configPath = args[++i];
                    break;
                case "--config":
                    return new CommandLine(command, configPath, "--config needs a file path");
                default:
                    return new CommandLine(command, configPath, $"unknown argument '{args[i]}'");
            }
        }
        return new CommandLine(command, configPath, null);
    }
}
