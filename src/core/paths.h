#ifndef KD_CORE_PATHS_H
#define KD_CORE_PATHS_H

/* XDG base directories for kvmdeck. Returned strings belong to the caller. */
char *kd_paths_config_dir(void); /* $XDG_CONFIG_HOME/kvmdeck or ~/.config/kvmdeck */
char *kd_paths_data_dir(void);   /* $XDG_DATA_HOME/kvmdeck or ~/.local/share/kvmdeck */
/* A path typed by the user: a leading ~/ is the home directory. */
char *kd_paths_expand_home(const char *path);
/* Create a directory and its parents (mode 0700 for the ones created). 0 or -1/errno. */
int kd_paths_mkdir_p(const char *dir);

#endif
