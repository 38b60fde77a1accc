; Inno Setup script (optional): wraps the Windows one-folder bundle dist\lorafy in an installer.
; Untested here (built on Linux only). Build the bundle on Windows first:
;     py -3.11 packaging\build.py
; then compile this script with Inno Setup 6:  iscc packaging\lorafy.iss  ->  dist\LorafySetup-<version>.exe
#define AppVersion "0.1.0"

[Setup]
AppId={{6C0F2A3E-9B1D-4E55-8F0A-6E2B7C4D9A10}
AppName=Lorafy
AppVersion={#AppVersion}
DefaultDirName={autopf}\Lorafy
DefaultGroupName=Lorafy
; per-user install: no admin rights; the library lives in the user's data folder anyway
PrivilegesRequired=lowest
OutputDir=..\dist
OutputBaseFilename=LorafySetup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible

[Files]
Source: "..\dist\lorafy\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Lorafy"; Filename: "{app}\lorafy-app.exe"
Name: "{autodesktop}\Lorafy"; Filename: "{app}\lorafy-app.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop icon"; Flags: unchecked

[Run]
Filename: "{app}\lorafy-app.exe"; Description: "Start Lorafy"; Flags: nowait postinstall skipifsilent
