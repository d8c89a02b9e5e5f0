"""Tools > Settings…: the reviewer's name (DICOM SR Person Observer Name) and the PACS nodes the app talks to.

PACS nodes are DIMSE (name, AE title, host, port, C-GET or C-MOVE) or DICOMweb (a base URL, with an optional
user name and password); our own AE title (default ``BUSVIEWER``) and the timeout of each network step apply to
all. Everything is kept in the user's settings file, which is made owner-only (0600) because a password may be
in it (``busviewer.io.pacs.nodes``); nothing here logs a node, so no password reaches the log.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from busviewer.core.errors import UserFacingError
from busviewer.gui import theme
from busviewer.io.pacs.nodes import (
    DEFAULT_TIMEOUT_S,
    PacsNode,
    PacsSettings,
    load_pacs_settings,
    save_pacs_settings,
    validate_node,
)
from busviewer.io.reviewer import entered_reviewer_name, set_reviewer_name

KINDS = ("DIMSE (C-FIND / C-GET / C-STORE)", "DICOMweb (QIDO / WADO / STOW)")


class SettingsDialog(QDialog):
    """Edit the reviewer's name and the PACS nodes; Save writes the settings file, Cancel changes nothing."""

    def __init__(self, parent: QWidget | None = None, settings: PacsSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self.resize(640, 480)
        self.settings = settings if settings is not None else load_pacs_settings()
        self.nodes: list[PacsNode] = list(self.settings.nodes)
        self._shown = -1

        self.reviewer = QLineEdit(entered_reviewer_name())
        self.reviewer.setPlaceholderText("e.g. Jane Doe (empty: your login name)")
        reviewer_page = QWidget()
        reviewer_form = QFormLayout(reviewer_page)
        reviewer_form.addRow("Your name", self.reviewer)
        hint = QLabel("Written into DICOM SR reports as Person Observer Name and into SEG as Content Creator.")
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {theme.TEXT_DIM};")
        reviewer_form.addRow(hint)

        tabs = QTabWidget()
        tabs.addTab(reviewer_page, "Reviewer")
        tabs.addTab(self._pacs_page(), "PACS")
        self.tabs = tabs
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {theme.ERROR};")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self._fill_list()

    # ------------------------------------------------------------------ layout
    def _pacs_page(self) -> QWidget:
        page = QWidget()
        self.own_ae_title = QLineEdit(self.settings.own_ae_title)
        self.own_ae_title.setMaxLength(16)
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 600)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(self.settings.timeout_s)
        ours = QFormLayout()
        ours.addRow("Our AE title", self.own_ae_title)
        ours.addRow("Default timeout", self.timeout)

        self.node_list = QListWidget()
        self.node_list.currentRowChanged.connect(self._show_node)
        self.add_button, self.remove_button = QPushButton("Add"), QPushButton("Remove")
        self.add_button.clicked.connect(self.add_node)
        self.remove_button.clicked.connect(self.remove_node)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.add_button)
        list_buttons.addWidget(self.remove_button)
        left = QVBoxLayout()
        left.addWidget(QLabel("Nodes"))
        left.addWidget(self.node_list, 1)
        left.addLayout(list_buttons)

        self.name = QLineEdit()
        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.ae_title, self.host = QLineEdit(), QLineEdit()
        self.ae_title.setMaxLength(16)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(104)
        self.retrieve = QComboBox()
        self.retrieve.addItems(["get", "move"])
        self.url, self.username, self.password = QLineEdit(), QLineEdit(), QLineEdit()
        self.url.setPlaceholderText("https://pacs.hospital/dicom-web")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.node_timeout = QDoubleSpinBox()
        self.node_timeout.setRange(1, 600)
        self.node_timeout.setSuffix(" s")
        dimse, web = QWidget(), QWidget()
        dimse_form, web_form = QFormLayout(dimse), QFormLayout(web)
        dimse_form.addRow("AE title", self.ae_title)
        dimse_form.addRow("Host", self.host)
        dimse_form.addRow("Port", self.port)
        dimse_form.addRow("Retrieve with", self.retrieve)
        web_form.addRow("Base URL", self.url)
        web_form.addRow("User name", self.username)
        web_form.addRow("Password", self.password)
        self.kind_pages = QStackedWidget()
        self.kind_pages.addWidget(dimse)
        self.kind_pages.addWidget(web)
        self.kind.currentIndexChanged.connect(self.kind_pages.setCurrentIndex)
        node_form = QFormLayout()
        node_form.addRow("Name", self.name)
        node_form.addRow("Kind", self.kind)
        node_form.addRow(self.kind_pages)
        node_form.addRow("Timeout", self.node_timeout)
        self.node_editor = QWidget()
        self.node_editor.setLayout(node_form)

        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addWidget(self.node_editor, 2)
        layout = QVBoxLayout(page)
        layout.addLayout(ours)
        layout.addLayout(columns, 1)
        return page

    # ------------------------------------------------------------------ nodes
    def add_node(self) -> None:
        """Start a new node (named ``PACS``, ``PACS-2``…) and select it for editing."""
        if not self._keep_shown():
            return
        taken = {node.name for node in self.nodes}
        name = next(f"PACS{'' if n == 1 else f'-{n}'}" for n in range(1, len(taken) + 2)
                    if f"PACS{'' if n == 1 else f'-{n}'}" not in taken)  # fmt: skip
        self.nodes.append(PacsNode(name=name, ae_title="PACS", host="localhost", port=104,
                                   timeout_s=self.timeout.value()))  # fmt: skip
        self._shown = -1
        self._fill_list(select=len(self.nodes) - 1)
        self.name.setFocus()
        self.name.selectAll()

    def remove_node(self) -> None:
        row = self.node_list.currentRow()
        if 0 <= row < len(self.nodes):
            del self.nodes[row]
            self._shown = -1
            self._fill_list(select=min(row, len(self.nodes) - 1))

    def node_from_form(self) -> PacsNode:
        """The node as the form shows it (not yet checked)."""
        web = self.kind.currentIndex() == 1
        return PacsNode(
            name=self.name.text().strip(),
            ae_title="" if web else self.ae_title.text().strip(),
            host="" if web else self.host.text().strip(),
            port=0 if web else self.port.value(),
            dicomweb_url=self.url.text().strip().rstrip("/") if web else "",
            retrieve=self.retrieve.currentText(),
            username=self.username.text().strip() if web else "",
            password=self.password.text() if web else "",
            timeout_s=self.node_timeout.value(),
        )

    def _fill_list(self, select: int = 0) -> None:
        self.node_list.blockSignals(True)
        self.node_list.clear()
        self.node_list.addItems([node.describe() for node in self.nodes])
        self.node_list.blockSignals(False)
        has_nodes = bool(self.nodes)
        self.node_editor.setEnabled(has_nodes)
        self.remove_button.setEnabled(has_nodes)
        if has_nodes:
            self.node_list.setCurrentRow(max(select, 0))
            self._show_node(max(select, 0))

    def _show_node(self, row: int) -> None:
        if row == self._shown or not 0 <= row < len(self.nodes):
            return
        if not self._keep_shown():
            self.node_list.blockSignals(True)
            self.node_list.setCurrentRow(self._shown)
            self.node_list.blockSignals(False)
            return
        node = self.nodes[row]
        self._shown = row
        self.name.setText(node.name)
        self.kind.setCurrentIndex(1 if node.is_dicomweb else 0)
        self.ae_title.setText(node.ae_title)
        self.host.setText(node.host)
        self.port.setValue(node.port or 104)
        self.retrieve.setCurrentText(node.retrieve)
        self.url.setText(node.dicomweb_url)
        self.username.setText(node.username)
        self.password.setText(node.password)
        self.node_timeout.setValue(node.timeout_s or DEFAULT_TIMEOUT_S)

    def _keep_shown(self) -> bool:
        """Take the form back into the node being edited; False (and one sentence) when it is not valid."""
        if not 0 <= self._shown < len(self.nodes):
            return True
        node = self.node_from_form()
        try:
            validate_node(node)
        except UserFacingError as exc:
            self.error_label.setText(str(exc))
            return False
        if any(other.name == node.name for i, other in enumerate(self.nodes) if i != self._shown):
            self.error_label.setText(f"There is already a PACS node called {node.name}.")
            return False
        self.error_label.clear()
        self.nodes[self._shown] = node
        self.node_list.item(self._shown).setText(node.describe())
        return True

    # ------------------------------------------------------------------ saving
    def save(self) -> None:
        """Check and write everything; a problem is one sentence under the tabs and nothing is written."""
        if not self._keep_shown():
            self.tabs.setCurrentIndex(1)
            return
        own = self.own_ae_title.text().strip() or "BUSVIEWER"
        updated = replace(self.settings, own_ae_title=own, timeout_s=self.timeout.value(), nodes=tuple(self.nodes))
        try:
            save_pacs_settings(updated)
            set_reviewer_name(self.reviewer.text())
        except UserFacingError as exc:
            self.error_label.setText(str(exc))
            return
        except OSError as exc:
            self.error_label.setText(f"The settings cannot be saved ({exc.strerror}).")
            return
        self.settings = updated
        self.accept()


def install_settings(window: Any) -> QAction:
    """Add Tools > Settings… to ``window``."""
    action = window.tools_menu.addAction("&Settings…")
    action.setShortcut("Ctrl+,")
    action.triggered.connect(lambda: SettingsDialog(window).exec())
    return action
