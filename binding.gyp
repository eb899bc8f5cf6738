{
  # The Darwin addon. Only macOS builds anything: everywhere else the target is empty
  # (scripts/install.js does not even call node-gyp there) and the emulator is used.
  # scripts/build-darwin.sh compiles the same sources (native/*.cc) with the same flags
  # for the Linux cross-check.
  "variables": {
    # prebuildify --arch arm64+x64 exports PREBUILD_ARCH=arm64+x64: build one universal
    # binary then; a plain `node-gyp rebuild` builds for the host architecture only.
    "machport_universal%": "<!(node -p \"/\\+/.test(process.env.PREBUILD_ARCH || '') ? 1 : 0\")"
  },
  "targets": [
    {
      "target_name": "machport",
      "conditions": [
        ["OS=='mac'", {
          "sources": ["<!@(ls native/*.cc)"],
          "include_dirs": [
            "<!(node -p \"require('node-addon-api').include_dir\")",
            "native"
          ],
          "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
          "libraries": ["-lbsm"],
          "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
          "xcode_settings": {
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "CLANG_CXX_LIBRARY": "libc++",
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "GCC_ENABLE_CPP_RTTI": "YES",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "GCC_TREAT_WARNINGS_AS_ERRORS": "YES",
            "GCC_OPTIMIZATION_LEVEL": "2",
            "WARNING_CFLAGS": ["-Wall", "-Wextra", "-Werror=unguarded-availability-new"],
            "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-fexceptions", "-fvisibility=hidden"]
          },
          "conditions": [
            ["machport_universal==1", {
              "xcode_settings": {
                "OTHER_CFLAGS": ["-arch x86_64", "-arch arm64"],
                "OTHER_CPLUSPLUSFLAGS": ["-arch x86_64", "-arch arm64"],
                "OTHER_LDFLAGS": ["-arch x86_64", "-arch arm64"]
              }
            }]
          ]
        }, {
          "type": "none"
        }]
      ]
    }
  ]
}
