using Serilog;
using WgSupervisor.Host;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Demo;
using WgSupervisor.Host.Security;

// wgsupervisor [--config PATH]   run the supervisor (default config: config/wgsupervisor.json)
// wgsupervisor demo              build a real WireGuard lab in network namespaces and supervise it (root)
// wgsupervisor check [--config PATH]   validate the configuration and exit
// wgsupervisor certs --out DIR [--days N] NODE=HOST[,HOST...] ...   make the cluster CA and node certificates for remoting TLS

const int ExitConfigError = 2;
var arguments = CommandLine.Parse(args);
if (arguments.Error is { } usage)
{
    Console.Error.WriteLine(usage);
    Console.Error.WriteLine(CommandLine.Usage);
    return ExitConfigError;
}
// Needs no configuration (it makes the files a configuration then names).
if (arguments.Command == "certs") return CertsCommand.Run(arguments.CommandArguments, Console.Out, Console.Error);

SupervisorHost.ConfigureLogging();
try
{
    if (arguments.Command == "demo") return await DemoCommand.RunAsync(arguments);

    SupervisorSettings config;
    try
    {
        config = ConfigLoader.Load(arguments.ConfigPath);
    }
    catch (ConfigException e)
    {
        Console.Error.WriteLine($"wgsupervisor: {arguments.ConfigPath}: {e.Message}");
        return ExitConfigError;
    }
    foreach (var warning in config.Warnings) Log.Warning("Configuration: {Warning}", warning);
    if (arguments.Command == "check")
    {
        Console.WriteLine($"{arguments.ConfigPath}: ok ({config.Tunnels.Count} tunnel(s))");
        return 0;
    }

    Log.Information("WgSupervisor node {Node}: {Count} tunnel(s), admin on {Url}, journal {Journal}", config.NodeName, config.Tunnels.Count,
        config.AdminUrl, config.Journal.Provider == JournalProvider.Sqlite ? Path.GetFullPath(config.Journal.SqlitePath) : "PostgreSQL");
    await SupervisorHost.Build(config).RunAsync();
    return Environment.ExitCode;
}
finally
{
    await Log.CloseAndFlushAsync();
}
