// The driver runs only on Linux nodes: mounts, statx and unix file modes are Linux facilities.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
