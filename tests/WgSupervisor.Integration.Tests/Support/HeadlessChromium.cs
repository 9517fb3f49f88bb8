using System.Diagnostics;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>
/// Debian's chromium, headless, driven by Debian's chromedriver, with a throw-away profile. Nothing is
/// downloaded (the driver path is given, so Selenium Manager never runs) and the browser's own background
/// traffic is switched off. Disposing quits the browser, ends what is left of our chromedriver and
/// chromium by PID, and deletes the profile.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    public const string BrowserPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly ChromeDriverService _service;
    private readonly int _driverProcessId;
    private readonly string _directory;
    private bool _disposed;

    private HeadlessChromium(ChromeDriverService service, ChromeDriver driver, string directory)
    {
        _service = service;
        Driver = driver;
        _driverProcessId = service.ProcessId;
        _directory = directory;
    }

    public ChromeDriver Driver { get; }

    /// <summary>Why the browser cannot run here, or null if it can.</summary>
    public static string? MissingPrerequisite() =>
        File.Exists(BrowserPath) && File.Exists(DriverPath)
            ? null
            : $"{BrowserPath} or {DriverPath} is missing (apt-get install -y --no-install-recommends chromium chromium-driver)";

    /// <summary>Skips without the browser on a developer machine; under CI=true a missing browser fails the test.</summary>
    public static void Require()
    {
        var missing = MissingPrerequisite();
        if (missing is null) return;
        if (Prerequisites.InCi) throw new InvalidOperationException($"CI=true but a prerequisite is missing: {missing}");
        Skip.If(true, $"skipped: {missing}");
    }

    public static HeadlessChromium Start(int width = 1440, int height = 900)
    {
        var directory = Directory.CreateTempSubdirectory("wgs-chromium-").FullName;
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        service.LogPath = Path.Combine(directory, "chromedriver.log");

        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-default-browser-check",
            $"--user-data-dir={Path.Combine(directory, "profile")}", $"--window-size={width},{height}");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        try
        {
            return new HeadlessChromium(service, new ChromeDriver(service, options, CommandTimeout), directory);
        }
        catch
        {
            EndOurProcesses(service.ProcessId, directory);
            service.Dispose();
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    public object? Script(string script, params object[] arguments) => Driver.ExecuteScript(script, arguments);

    /// <summary>Console messages of the page (errors, CSP violations), as "LEVEL message".</summary>
    public IReadOnlyList<string> ConsoleMessages() =>
        Driver.Manage().Logs.GetLog(LogType.Browser).Select(e => $"{e.Level} {e.Message}").ToList();

    public string SaveScreenshot(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    /// <summary>What of this browser is still on the machine (for tests that check the clean-up).</summary>
    public IReadOnlyList<string> Leftovers()
    {
        var left = ProcessesUsing(_directory).Select(pid => $"chromium (pid {pid})").ToList();
        if (IsChromeDriver(_driverProcessId)) left.Add($"chromedriver (pid {_driverProcessId})");
        if (Directory.Exists(_directory)) left.Add($"directory {_directory}");
        return left;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Driver.Quit();
        }
        catch (WebDriverException)
        {
            // The browser is already gone or hangs; its processes are ended below.
        }
        EndOurProcesses(_driverProcessId, _directory);
        _service.Dispose();
        DeleteDirectory(_directory);
    }

    /// <summary>Our chromedriver (with its children) by its PID, then any chromium that outlived it, found by our own profile path.</summary>
    private static void EndOurProcesses(int driverProcessId, string directory)
    {
        if (IsChromeDriver(driverProcessId)) Kill(driverProcessId);
        foreach (var pid in ProcessesUsing(directory)) Kill(pid);
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (ArgumentException)
        {
            // It ended meanwhile.
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static bool IsChromeDriver(int pid) =>
        pid > 0 && CommandLine(pid) is { Length: > 0 } arguments && Path.GetFileName(arguments[0]) == Path.GetFileName(DriverPath);

    private static IEnumerable<int> ProcessesUsing(string directory) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && pid != Environment.ProcessId && CommandLine(pid)?.Any(a => a.Contains(directory, StringComparison.Ordinal)) == true)
            .ToList();

    private static string[]? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Chromium's last writes to its profile can trail its exit by a moment; a few bounded attempts.</summary>
    private static void DeleteDirectory(string directory)
    {
        for (var attempt = 1; Directory.Exists(directory); attempt++)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(100);
            }
        }
    }
}
