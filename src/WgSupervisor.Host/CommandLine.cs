namespace WgSupervisor.Host;

/// <summary>The host's few command-line arguments.</summary>
public sealed record CommandLine(string Command, string ConfigPath, string? Error)
{
    public const string Usage = "usage: wgsupervisor [run|check|demo] [--config PATH]";

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var command = "run";
        var configPath = Configuration.ConfigLoader.DefaultPath;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
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
